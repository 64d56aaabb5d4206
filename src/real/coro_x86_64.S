/* coro_x86_64.S - the coroutine context switch for x86-64 (System V ABI).
 *
 * void tt_coro_switch(void **save_sp, void *new_sp)
 *   Pushes the callee-saved registers (rbp rbx r12-r15) on the current
 *   stack, stores rsp in *save_sp, loads new_sp and pops the same registers
 *   from there; `ret` resumes the other coroutine where it last called
 *   tt_coro_switch.  Everything caller-saved is already saved by the C
 *   caller, which is why this is all a switch needs.
 *
 * tt_coro_boot
 *   Where a new coroutine starts: coro.c prepares its stack so that the
 *   first switch pops r12 = arg and r13 = fn and returns here, with rsp
 *   16-byte aligned as a call requires.  fn never returns.
 */
#if defined(__x86_64__) && !defined(TT_CORO_UCONTEXT)

    .text
    .globl  tt_coro_switch
    .type   tt_coro_switch, @function
    .p2align 4
tt_coro_switch:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .size   tt_coro_switch, .-tt_coro_switch

    .globl  tt_coro_boot
    .type   tt_coro_boot, @function
    .p2align 4
tt_coro_boot:
    movq    %r12, %rdi
    callq   *%r13
    ud2
    .size   tt_coro_boot, .-tt_coro_boot

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack, "", @progbits
#endif
