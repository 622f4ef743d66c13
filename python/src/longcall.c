/* SPDX-License-Identifier: MIT */
/* longcall.c — the GIL released around a long libsom call, and Ctrl-C.
 *
 * While a call runs without the GIL, Python's own SIGINT handler only
 * notes the signal: KeyboardInterrupt would wait for the call to end. So
 * on the main thread (the only one Python delivers signals to) a handler
 * of ours goes in front of Python's for the length of the call: it sets
 * libsom's cancellation token (som_cancel_set: one atomic store,
 * async-signal-safe), which every long libsom call polls every few
 * milliseconds, and then calls Python's handler, so that Python still sees
 * the signal. When the call returns SOM_ECANCELED the GIL is taken back
 * and PyErr_CheckSignals runs Python's handler for real: KeyboardInterrupt.
 * Calls on other threads are not interrupted (Python never interrupts
 * them either). */
#include "pysom.h"

#include <signal.h>
#include <string.h>

static som_cancel *token;           /* one for the process, made once */
static struct sigaction python_sigint; /* the handler ours stands in front of */
static int armed_depth;             /* ours is installed (a progress callback
                                       may start another long call) */

static void on_sigint(int sig, siginfo_t *info, void *uctx)
{
    som_cancel_set(token);
    if (python_sigint.sa_flags & SA_SIGINFO) {
        if (python_sigint.sa_sigaction) python_sigint.sa_sigaction(sig, info, uctx);
    } else if (python_sigint.sa_handler != SIG_DFL && python_sigint.sa_handler != SIG_IGN) {
        python_sigint.sa_handler(sig);
    }
}

void pysom_long_begin(pysom_long *lc)
{
    lc->armed = 0;
    if (!token) token = som_cancel_new();
    if (token && armed_depth == 0 && _PyOS_IsMainThread()) {
        struct sigaction cur;
        /* Only in front of a handler that turns Ctrl-C into an exception:
         * an ignored or default SIGINT stays as the program chose. */
        if (sigaction(SIGINT, NULL, &cur) == 0 &&
            ((cur.sa_flags & SA_SIGINFO) ||
             (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN))) {
            struct sigaction ours;
            memset(&ours, 0, sizeof ours);
            ours.sa_sigaction = on_sigint;
            ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigemptyset(&ours.sa_mask);
            python_sigint = cur;
            som_cancel_reset(token);
            if (sigaction(SIGINT, &ours, NULL) == 0) {
                som_cancel_bind(token);
                lc->armed = 1;
                armed_depth = 1;
            }
        }
    }
    lc->ts = PyEval_SaveThread();
}

void pysom_long_end(pysom_long *lc)
{
    PyEval_RestoreThread(lc->ts);
    if (lc->armed) {
        sigaction(SIGINT, &python_sigint, NULL);
        som_cancel_bind(NULL);
        lc->armed = 0;
        armed_depth = 0;
    }
}

int pysom_long_interrupted(void)
{
    if (!som_cancel_is_set(token)) return 0;
    som_cancel_reset(token);
    if (PyErr_CheckSignals() < 0) return -1;
    return 1;
}

int pysom_long_cancelled(void) { return som_cancel_is_set(token); }
