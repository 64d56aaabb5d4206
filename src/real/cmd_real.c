/* PLACEHOLDER - to be replaced by the implementation of 'real'. */
#include <stdio.h>

#include "commands.h"

int cmd_real(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("taketurns: 'real' is not built yet\n", stderr);
    return 2;
}
