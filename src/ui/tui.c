/* PLACEHOLDER - to be replaced by the implementation of 'tui'. */
#include <stdio.h>

#include "commands.h"

int cmd_tui(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("taketurns: 'tui' is not built yet\n", stderr);
    return 2;
}
