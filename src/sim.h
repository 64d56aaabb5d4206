/* sim.h - the deterministic simulator: one scene, one scheduler, one trace.
 *
 * sim_new() starts the tasks of a scene under the scene's mode; each
 * sim_step() is one tick of simulated time, in which every CPU runs one op
 * (or one tick of a longer op) of its task.  The mode decides who runs; its
 * policy is a `struct sched_ops` table (sched_*.c), not switches spread
 * through the core.  While recording, the run is written to a struct trace
 * and the whole state is saved every few thousand steps, so any tick can be
 * reconstructed quickly by sim_seek() (restore, then replay).
 *
 * Determinism: the same lesson, scene and settings give the same trace byte
 * for byte.  Ties are broken by run order: timers that end at the same tick
 * wake in the order they were set, the ready queue is first in first out,
 * and within a tick CPUs run in index order, lower first.
 */
#ifndef TT_SIM_H
#define TT_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "lesson.h"
#include "schedule.h"
#include "trace.h"
#include "vm.h"

struct sim;

/* Start scene (index into L->scenes) with settings cfg (usually the scene's
 * own, perhaps overridden).  sch, if not NULL, scripts the turns: its tasks
 * run one at a time on one CPU until it runs out.  record: keep a trace and
 * checkpoints (the explorer does not need them). */
struct sim *sim_new(const struct lesson *L, int scene,
                    const struct scene_config *cfg, const struct schedule *sch,
                    int record);
void sim_free(struct sim *s);

/* One tick (or a jump over idle time).  Returns 0 once the run has ended. */
int sim_step(struct sim *s);
/* Step until the run ends. */
void sim_run(struct sim *s);

int64_t sim_now(const struct sim *s);
enum trace_status sim_status(const struct sim *s);
/* The trace (NULL unless recording).  Still owned by the sim. */
struct trace *sim_trace(struct sim *s);
const struct lesson *sim_lesson(const struct sim *s);
const struct scene_config *sim_config(const struct sim *s);
int sim_ntasks(const struct sim *s);
int sim_ncpus(const struct sim *s);

/* Put the simulation in its state at the start of tick t (clamped to the
 * end of the recorded run).  Uses checkpoints; the trace is not changed. */
void sim_seek(struct sim *s, int64_t t);

/* ---- the state, for the memory and code panels ------------------------ */

enum task_state sim_task_state(const struct sim *s, int task);
const struct vm *sim_task_vm(const struct sim *s, int task);
int sim_task_cpu(const struct sim *s, int task);
int sim_task_space(const struct sim *s, int task);
int64_t sim_task_wake(const struct sim *s, int task);
/* Every task's state (enum task_state) into states; 1 if some task waits
 * for a timer (sim_task_wake), else 0. */
int sim_task_states(const struct sim *s, uint8_t *states);
/* Ticks still to go of the task's current compute() (or of a blocking call
 * that holds the event loop), 0 if none: its pc is already past that op. */
int64_t sim_task_busy(const struct sim *s, int task);
int sim_task_lock(const struct sim *s, int task); /* lock waited for, -1 */
/* Will the task's next op fail inside a with block, whose __exit__ then
 * releases what it entered?  (That op touches what others share.) */
int sim_task_leaves_with(struct sim *s, int task);
/* The thread task waits for in a join(), or -1. */
int sim_task_join(const struct sim *s, int task);
/* The pool whose shutdown (the end of its with block) the task waits in,
 * or -1. */
int sim_task_shutdown(const struct sim *s, int task);
/* A pool's wait: the job whose result() the task waits for, -2 for a
 * worker waiting for a job, or -1 if it is in no such wait. */
int sim_task_pool_wait(const struct sim *s, int task);
int sim_nspaces(const struct sim *s);
int64_t sim_global(const struct sim *s, int space, int g);
int sim_lock_owner(const struct sim *s, int space, int lock);
int sim_gil_holder(const struct sim *s);
int sim_gil_drop_request(const struct sim *s);
/* The ready queue (or the GIL's waiters) in order; returns the count. */
int sim_ready_queue(const struct sim *s, int *tasks);
/* Tasks with a timer, soonest first; when[i] is when it ends. */
int sim_timers(const struct sim *s, int *tasks, int64_t *when);
/* Waiters of a lock in the order they will get it. */
int sim_lock_waiters(const struct sim *s, int space, int lock, int *tasks);
/* Sync object obj (an index into program->lock_names) in space. */
struct sync_obj;
const struct sync_obj *sim_sync(const struct sim *s, int space, int obj);
/* Pool i (ThreadPoolExecutor) as the memory panel says it: "pool queue:
 * jobs 6..15 · 5 of 5 workers, 0 idle" ("pool 1 queue" when a run makes
 * several; jobs are numbered from 1).  Returns 0,
 * or -1 if there is no pool i. */
int sim_pool_describe(const struct sim *s, int i, struct strbuf *out);

/* ---- choosing turns: manual mode and the explorer ---------------------- */

/* The tasks that may run in the next tick if turns are chosen one at a time
 * (a scripted schedule): any runnable thread; under the GIL only the holder
 * unless it is at a checkpoint; in asyncio only the running coroutine until
 * it awaits, then the head of the ready queue or one tied with it.
 * Returns the count (0 when the run has ended or only time can pass). */
int sim_choices(const struct sim *s, int *tasks);
/* Run task in the next tick (it must be one of sim_choices).  While
 * recording, the turn is remembered so that sim_seek replays it. */
void sim_force(struct sim *s, int task);
/* Seek to t and forget the trace from t on: the run goes on from there
 * (recorded), for example with turns chosen by sim_force. */
void sim_take_over(struct sim *s, int64_t t);

/* ---- whole state as bytes: checkpoints and the explorer's memo ---------- */

/* Bytes needed by sim_save. */
size_t sim_state_size(const struct sim *s);
void sim_save(const struct sim *s, unsigned char *out);
/* Restore a state saved by sim_save of the same sim (or one made with the
 * same lesson, scene and settings). */
void sim_restore(struct sim *s, const unsigned char *in);
/* A canonical encoding of what decides the rest of a run whose turns are
 * chosen (sim_force): memory, locks, each task's code state and queue
 * positions (where they decide who may run: lock waiters, and the ready
 * queue in asyncio), and time only relative to pending timers.  Two states with
 * equal encodings have the same futures.  Replaces out's contents.  It is
 * 1 + ntasks parts, each a length (a LEB128 varint) and that many bytes:
 * what the tasks share, then each task's own; the explorer interns the
 * parts separately, since most turns change only one of them. */
void sim_canon(const struct sim *s, struct strbuf *out);
/* The same parts one after another, without their lengths: lens gets the
 * length of each (1 + ntasks of them).  out must have room for
 * sim_canon_room(s) bytes.  Returns the bytes written. */
size_t sim_canon_room(const struct sim *s);
size_t sim_canon_parts(const struct sim *s, unsigned char *out, uint32_t *lens);
/* Part k alone (0: what the tasks share, t + 1: task t's own), as
 * sim_canon_parts writes it; returns its length.  out must have room for
 * sim_canon_room(s) bytes. */
size_t sim_canon_part(const struct sim *s, int k, unsigned char *out);

/* ---- threads started by code (threading.Thread) ------------------------- */

/* One thread a run made: its lane's label (name= or Python's Thread-N),
 * its function, and the pc of the threading.Thread call. */
struct sim_spawn {
    char label[24];     /* Thread-N, Task-N, ThreadPoolExecutor-K_I */
    int func;
    uint32_t pc;
    int task;           /* the task that made it */
    int pooled;         /* a ThreadPoolExecutor's worker */
};

/* Does the op at pc start threads or tasks (threading.Thread,
 * asyncio.create_task, asyncio.gather)? */
int sim_is_spawn_call(const struct program *P, uint32_t pc);

/* Run scene under cfg with room for every task it may start, and report
 * the threads it made, in order: at most max (LESSON_MAX_TASKS minus its
 * run lines).  Returns how many; *mode_pc is the pc of a
 * threading.Thread call in a mode without OS threads (else UINT32_MAX). */
int sim_discover(const struct lesson *L, int scene,
                 const struct scene_config *cfg, struct sim_spawn *out,
                 int max, uint32_t *mode_pc);

/* Bytes of saved states kept for seeking. */
size_t sim_checkpoint_bytes(const struct sim *s);

/* The task and source position a message about the run should point at
 * (the last op run), for limits and errors. */
int sim_last_task(const struct sim *s);

#endif
