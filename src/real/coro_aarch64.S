/* coro_aarch64.S - the coroutine context switch for aarch64 (AAPCS64).
 *
 * void tt_coro_switch(void **save_sp, void *new_sp)
 *   Saves the callee-saved registers x19-x30 and d8-d15 in a 176-byte
 *   frame on the current stack, stores sp in *save_sp, switches to new_sp
 *   and restores the same frame from there; `ret` goes to the restored
 *   x30, where the other coroutine called tt_coro_switch.
 *
 * tt_coro_boot
 *   Where a new coroutine starts: coro.c prepares a frame with x19 = arg,
 *   x20 = fn and x30 = tt_coro_boot.  fn never returns.
 */
#if defined(__aarch64__) && !defined(TT_CORO_UCONTEXT)

    .text
    .globl  tt_coro_switch
    .type   tt_coro_switch, %function
    .p2align 4
tt_coro_switch:
    sub     sp, sp, #176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #176
    ret
    .size   tt_coro_switch, .-tt_coro_switch

    .globl  tt_coro_boot
    .type   tt_coro_boot, %function
    .p2align 4
tt_coro_boot:
    mov     x0, x19
    blr     x20
    brk     #0
    .size   tt_coro_boot, .-tt_coro_boot

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack, "", %progbits
#endif
