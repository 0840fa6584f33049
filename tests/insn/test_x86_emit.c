/* The JIT's x86-64 emitter (cpu/jit/x86_emit.c): every instruction form, with the awkward
 * registers (R8-R15, RSP/R12 needing a SIB byte, RBP/R13 needing a displacement, SIL needing an
 * empty REX), decoded back by capstone and compared with the intended instruction. */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "jit/x86_emit.h"

static csh cs;
static int failures, checks;
static uint8_t buf[64];
static x86_emitter em;

static x86_emitter *start(void) {
    x86_init(&em, buf, sizeof buf, 0x10000);
    return &em;
}

/* The bytes emitted since start() must be exactly one instruction printing as `want`. */
static void expect(const char *want) {
    cs_insn *insn;
    size_t len = x86_offset(&em);
    size_t n = cs_disasm(cs, buf, len, 0x10000, 0, &insn);
    char got[160] = "(undecodable)";
    size_t used = 0;
    if (n >= 1) {
        snprintf(got, sizeof got, "%s%s%s", insn[0].mnemonic, insn[0].op_str[0] ? " " : "",
                 insn[0].op_str);
        used = insn[0].size;
    }
    checks++;
    if (n != 1 || used != len || strcmp(got, want) != 0 || em.overflow) {
        failures++;
        fprintf(stderr, "FAIL: want '%s', got '%s' (%zu insns, %zu of %zu bytes):", want, got, n,
                used, len);
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", buf[i]);
        fprintf(stderr, "\n");
    }
    if (n) cs_free(insn, n);
}

int main(void) {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
        fprintf(stderr, "capstone: no x86 support\n");
        return 1;
    }
    x86_mov_rr(start(), true, X86_RBX, X86_RDI), expect("mov rbx, rdi");
    x86_mov_rr(start(), false, X86_R9, X86_RAX), expect("mov r9d, eax");
    x86_mov_rr(start(), true, X86_RAX, X86_R12), expect("mov rax, r12");
    x86_mov_imm(start(), X86_RAX, 0x1234), expect("mov eax, 0x1234");
    x86_mov_imm(start(), X86_R10, 0xffffffffull), expect("mov r10d, 0xffffffff");
    x86_mov_imm(start(), X86_RCX, (uint64_t)-5), expect("mov rcx, -5");
    x86_mov_imm(start(), X86_R12, 0x123456789abcull), expect("movabs r12, 0x123456789abc");
    x86_load(start(), true, X86_RAX, x86_base(X86_RBX, 8)), expect("mov rax, qword ptr [rbx + 8]");
    x86_load(start(), true, X86_RAX, x86_base(X86_RBX, 0)), expect("mov rax, qword ptr [rbx]");
    x86_load(start(), false, X86_R8, x86_base(X86_RBX, 0x1000)),
        expect("mov r8d, dword ptr [rbx + 0x1000]");
    x86_load(start(), true, X86_RDX, x86_base(X86_R12, 0)), expect("mov rdx, qword ptr [r12]");
    x86_load(start(), true, X86_RDX, x86_base(X86_RSP, 16)),
        expect("mov rdx, qword ptr [rsp + 0x10]");
    x86_load(start(), true, X86_RDX, x86_base(X86_RBP, 0)), expect("mov rdx, qword ptr [rbp]");
    x86_load(start(), true, X86_R15, x86_base(X86_R13, -8)), expect("mov r15, qword ptr [r13 - 8]");
    x86_load(start(), true, X86_RAX, x86_sib(X86_RBX, X86_RAX, 1, 0x100)),
        expect("mov rax, qword ptr [rbx + rax + 0x100]");
    x86_load(start(), true, X86_RAX, x86_sib(X86_RBX, X86_R9, 8, 0)),
        expect("mov rax, qword ptr [rbx + r9*8]");
    x86_store(start(), true, x86_base(X86_RBX, 0x108), X86_RAX),
        expect("mov qword ptr [rbx + 0x108], rax");
    x86_store(start(), false, x86_base(X86_RSI, 0), X86_R11), expect("mov dword ptr [rsi], r11d");
    x86_store_imm32(start(), true, x86_base(X86_RBX, 8), -1), expect("mov qword ptr [rbx + 8], -1");
    x86_load_zx(start(), 1, X86_RAX, x86_base(X86_RSI, 0)), expect("movzx eax, byte ptr [rsi]");
    x86_load_zx(start(), 2, X86_R8, x86_base(X86_RSI, 2)), expect("movzx r8d, word ptr [rsi + 2]");
    x86_movsxd(start(), X86_RCX, x86_base(X86_RBX, 0x40)),
        expect("movsxd rcx, dword ptr [rbx + 0x40]");
    x86_store_narrow(start(), 1, x86_base(X86_RDI, 0), X86_RSI), expect("mov byte ptr [rdi], sil");
    x86_store_narrow(start(), 1, x86_base(X86_RDI, 0), X86_RAX), expect("mov byte ptr [rdi], al");
    x86_store_narrow(start(), 2, x86_base(X86_RDI, 4), X86_R9),
        expect("mov word ptr [rdi + 4], r9w");
    x86_lea(start(), true, X86_RSI, x86_base(X86_R12, 32)), expect("lea rsi, [r12 + 0x20]");
    x86_lea(start(), false, X86_R8, x86_sib(X86_R9, X86_R8, 2, 0)), expect("lea r8d, [r9 + r8*2]");
    x86_alu_rr(start(), X86_ADD, true, X86_RAX, X86_RCX), expect("add rax, rcx");
    x86_alu_rr(start(), X86_SUB, false, X86_RAX, X86_R10), expect("sub eax, r10d");
    x86_alu_rr(start(), X86_XOR, false, X86_RDX, X86_RDX), expect("xor edx, edx");
    x86_alu_rr(start(), X86_AND, true, X86_R8, X86_RAX), expect("and r8, rax");
    x86_alu_rr(start(), X86_OR, true, X86_RAX, X86_RCX), expect("or rax, rcx");
    x86_alu_rr(start(), X86_CMP, true, X86_RAX, X86_RCX), expect("cmp rax, rcx");
    x86_alu_ri(start(), X86_ADD, true, X86_RAX, 8), expect("add rax, 8");
    x86_alu_ri(start(), X86_SUB, false, X86_RAX, 0x1000), expect("sub eax, 0x1000");
    x86_alu_ri(start(), X86_AND, true, X86_RDX, -4089), expect("and rdx, 0xfffffffffffff007");
    x86_alu_rm(start(), X86_CMP, true, X86_RDX, x86_sib(X86_RBX, X86_RAX, 1, 0x200)),
        expect("cmp rdx, qword ptr [rbx + rax + 0x200]");
    x86_alu_rm(start(), X86_ADD, true, X86_RSI, x86_base(X86_RCX, 24)),
        expect("add rsi, qword ptr [rcx + 0x18]");
    x86_alu_mi(start(), X86_ADD, true, x86_base(X86_RBX, 0x100), 256),
        expect("add qword ptr [rbx + 0x100], 0x100");
    x86_alu_mi(start(), X86_CMP, false, x86_base(X86_RAX, 0), 0), expect("cmp dword ptr [rax], 0");
    x86_test_rr(start(), false, X86_RAX, X86_RAX), expect("test eax, eax");
    x86_test_ri(start(), true, X86_RSI, 15), expect("test rsi, 0xf");
    x86_shift_ri(start(), X86_SHL, true, X86_RAX, 3), expect("shl rax, 3");
    x86_shift_ri(start(), X86_SHR, false, X86_R8, 28), expect("shr r8d, 0x1c");
    x86_shift_ri(start(), X86_SAR, true, X86_RCX, 63), expect("sar rcx, 0x3f");
    x86_shift_ri(start(), X86_ROR, false, X86_RCX, 7), expect("ror ecx, 7");
    x86_shift_cl(start(), X86_SHL, true, X86_RAX), expect("shl rax, cl");
    x86_shift_cl(start(), X86_ROR, false, X86_RAX), expect("ror eax, cl");
    x86_shrd_ri(start(), true, X86_RAX, X86_RCX, 12), expect("shrd rax, rcx, 0xc");
    x86_not(start(), true, X86_RCX), expect("not rcx");
    x86_neg(start(), false, X86_RCX), expect("neg ecx");
    x86_imul_rr(start(), true, X86_RAX, X86_RCX), expect("imul rax, rcx");
    x86_imul_ri(start(), false, X86_R9, X86_R9, -1640531527), expect("imul r9d, r9d, 0x9e3779b9");
    x86_imul_ri(start(), true, X86_RAX, X86_R10, 1000), expect("imul rax, r10, 0x3e8");
    x86_mul_wide(start(), false, X86_RCX), expect("mul rcx");
    x86_mul_wide(start(), true, X86_R9), expect("imul r9");
    x86_movzx_rr(start(), 1, X86_RCX, X86_RCX), expect("movzx ecx, cl");
    x86_movzx_rr(start(), 2, X86_R8, X86_RAX), expect("movzx r8d, ax");
    x86_movsx_rr(start(), 1, X86_RCX, X86_RCX), expect("movsx rcx, cl");
    x86_movsx_rr(start(), 2, X86_RCX, X86_RDX), expect("movsx rcx, dx");
    x86_movsx_rr(start(), 4, X86_RCX, X86_RCX), expect("movsxd rcx, ecx");
    x86_alu_rr(start(), X86_ADC, true, X86_RAX, X86_RCX), expect("adc rax, rcx");
    x86_alu_rr(start(), X86_SBB, false, X86_RAX, X86_RCX), expect("sbb eax, ecx");
    x86_cmc(start()), expect("cmc");
    x86_bt_rr(start(), false, X86_R9, X86_R8), expect("bt r9d, r8d");
    x86_bt_mi(start(), true, x86_base(X86_RBX, 16), 40), expect("bt qword ptr [rbx + 0x10], 0x28");
    x86_setcc(start(), X86_CC_S, X86_R8), expect("sets r8b");
    x86_setcc(start(), X86_CC_AE, X86_RSI), expect("setae sil");
    x86_setcc(start(), X86_CC_E, X86_RAX), expect("sete al");
    x86_movzx8(start(), X86_R11, X86_R11), expect("movzx r11d, r11b");
    x86_cmov(start(), X86_CC_B, true, X86_RAX, X86_RDX), expect("cmovb rax, rdx");
    x86_cmov(start(), X86_CC_NE, false, X86_R8, X86_RCX), expect("cmovne r8d, ecx");
    x86_push(start(), X86_R12), expect("push r12");
    x86_pop(start(), X86_RBX), expect("pop rbx");
    x86_ret(start()), expect("ret");
    x86_call(start(), (const void *)0x10100), expect("call 0x10100");
    x86_jmp_abs(start(), (const void *)0x10000), expect("jmp 0x10000");
    x86_jmp_reg(start(), X86_RSI), expect("jmp rsi");
    x86_jmp_reg(start(), X86_R11), expect("jmp r11");
    {
        x86_emitter *e = start();
        size_t at = x86_jcc_fwd(e, X86_CC_NE);
        x86_patch_here(e, at);
        expect("jne 0x10006");
    }
    {
        x86_emitter *e = start();
        size_t at = x86_jmp_fwd(e);
        x86_patch_here(e, at);
        expect("jmp 0x10005");
    }
    x86_jcc_to(start(), X86_CC_B, 0), expect("jb 0x10000");
    /* Far targets: call and jump through RAX. */
    x86_call(start(), (const void *)0x7f0000000000ull);
    checks++;
    if (x86_offset(&em) != 12 || buf[10] != 0xff || buf[11] != 0xd0) {
        failures++;
        fprintf(stderr, "FAIL: far call not 'movabs rax, imm; call rax'\n");
    }
    /* Overflow: nothing written past the end, the flag set. */
    x86_init(&em, buf, 3, 0);
    x86_mov_imm(&em, X86_RAX, 0x123456789ull);
    checks++;
    if (!em.overflow || x86_offset(&em) != 3) {
        failures++;
        fprintf(stderr, "FAIL: overflow not detected\n");
    }
    cs_close(&cs);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
