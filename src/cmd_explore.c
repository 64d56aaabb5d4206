/* PLACEHOLDER - to be replaced by the implementation of 'explore'. */
#include <stdio.h>

#include "commands.h"

int cmd_explore(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("taketurns: 'explore' is not built yet\n", stderr);
    return 2;
}
