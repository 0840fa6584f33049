/* Hosts other than x86-64: no code generation, the interpreter runs every block. */
#include "jit/jit.h"

bool jit_init(cpu_cluster *cl) {
    cl->jit = NULL;
    return true;
}
void jit_free(cpu_cluster *cl) {
    (void)cl;
}
void jit_flush(cpu_cluster *cl) {
    (void)cl;
}
bool jit_compile(cpu_cluster *cl, code_block *b) {
    (void)cl;
    (void)b;
    return false;
}
void jit_link(cpu_cluster *cl, code_block *from, code_block *to) {
    (void)cl;
    (void)from;
    (void)to;
}
void jit_block_dead(cpu_cluster *cl, code_block *b) {
    (void)cl;
    (void)b;
}
