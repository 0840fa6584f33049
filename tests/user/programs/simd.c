/* AdvSIMD through arm_neon.h: integer and FP lanes, widening, narrowing, saturation, shifts,
 * permutes, table lookups, reductions, structure loads/stores. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t h = 0;
static void mix(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
}
#define MIX(v) mix(&(v), sizeof(v))
#define SHOW(name)                                                                                 \
    do {                                                                                           \
        printf("%-10s %016llx\n", name, (unsigned long long)h);                                    \
        h = 0;                                                                                     \
    } while (0)

int main(void) {
    uint8_t a8[64];
    int16_t a16[32];
    float af[16];
    for (int i = 0; i < 64; i++)
        a8[i] = (uint8_t)(i * 37 + 11);
    for (int i = 0; i < 32; i++)
        a16[i] = (int16_t)(i * 3001 - 40000);
    for (int i = 0; i < 16; i++)
        af[i] = (float)i * 1.37f - 7.0f;

    uint8x16_t u8 = vld1q_u8(a8), v8 = vld1q_u8(a8 + 16);
    uint8x16_t r8 = vaddq_u8(u8, v8);
    MIX(r8);
    r8 = vqaddq_u8(u8, v8);
    MIX(r8);
    r8 = vqsubq_u8(u8, v8);
    MIX(r8);
    r8 = vabdq_u8(u8, v8);
    MIX(r8);
    r8 = vmaxq_u8(u8, v8);
    MIX(r8);
    r8 = vcntq_u8(u8);
    MIX(r8);
    r8 = vceqq_u8(u8, v8);
    MIX(r8);
    r8 = vbslq_u8(vcgtq_u8(u8, v8), u8, v8);
    MIX(r8);
    r8 = vrbitq_u8(u8);
    MIX(r8);
    SHOW("int8");

    int16x8_t s16 = vld1q_s16(a16), t16 = vld1q_s16(a16 + 8);
    int16x8_t r16 = vqaddq_s16(s16, t16);
    MIX(r16);
    r16 = vmulq_s16(s16, t16);
    MIX(r16);
    r16 = vqdmulhq_s16(s16, t16);
    MIX(r16);
    r16 = vqrdmulhq_s16(s16, t16);
    MIX(r16);
    r16 = vshlq_s16(s16, vdupq_n_s16(-3));
    MIX(r16);
    r16 = vrshrq_n_s16(s16, 5);
    MIX(r16);
    int32x4_t w = vmull_s16(vget_low_s16(s16), vget_low_s16(t16));
    MIX(w);
    w = vpaddlq_s16(s16);
    MIX(w);
    int8x8_t n8 = vqmovn_s16(s16);
    MIX(n8);
    uint8x8_t un8 = vqmovun_s16(t16);
    MIX(un8);
    int64_t sum = vaddlvq_s16(s16);
    MIX(sum);
    int16_t mx = vmaxvq_s16(t16);
    MIX(mx);
    SHOW("int16");

    float32x4_t f = vld1q_f32(af), g = vld1q_f32(af + 4);
    float32x4_t rf = vaddq_f32(f, g);
    MIX(rf);
    rf = vmulq_f32(f, g);
    MIX(rf);
    rf = vfmaq_f32(f, g, vdupq_n_f32(0.3f));
    MIX(rf);
    rf = vdivq_f32(f, g);
    MIX(rf);
    rf = vsqrtq_f32(vabsq_f32(f));
    MIX(rf);
    rf = vrecpeq_f32(g);
    MIX(rf);
    rf = vrsqrteq_f32(vabsq_f32(g));
    MIX(rf);
    int32x4_t ci = vcvtq_s32_f32(f);
    MIX(ci);
    ci = vcvtnq_s32_f32(f);
    MIX(ci);
    rf = vcvtq_f32_s32(vdupq_n_s32(-123456789));
    MIX(rf);
    float m = vmaxvq_f32(f);
    MIX(m);
    float64x2_t d = vcvt_f64_f32(vget_low_f32(f));
    d = vmulq_f64(d, d);
    MIX(d);
    uint32x4_t cm = vcltq_f32(f, g);
    MIX(cm);
    SHOW("float");

    uint8x16_t tbl = vqtbl1q_u8(u8, vandq_u8(v8, vdupq_n_u8(31)));
    MIX(tbl);
    uint8x16_t z = vzip1q_u8(u8, v8);
    MIX(z);
    z = vuzp2q_u8(u8, v8);
    MIX(z);
    z = vtrn1q_u8(u8, v8);
    MIX(z);
    z = vextq_u8(u8, v8, 5);
    MIX(z);
    z = vrev64q_u8(u8);
    MIX(z);
    uint8x16x3_t st3 = vld3q_u8(a8);
    MIX(st3);
    uint8_t out[48];
    vst3q_u8(out, st3);
    MIX(out);
    uint16x8x2_t ld2 = vld2q_u16((const uint16_t *)a8);
    MIX(ld2);
    uint32x4_t lane = vld1q_lane_u32((const uint32_t *)a8, vdupq_n_u32(7), 2);
    MIX(lane);
    SHOW("permute");
    return 0;
}
