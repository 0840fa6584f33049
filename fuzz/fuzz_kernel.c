/* Kernel files as the loaders read them (loader/file.c, loader/arm64_image.c): gzip/xz inflation
 * in memory with a size limit, then the arm64 Image header. */
#include "fuzz_util.h"
#include "loader/loader.h"

#define MAX_KERNEL (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    uint8_t *k = NULL;
    size_t k_len = 0;
    char err[512] = "";
    if (loader_inflate("fuzz.img", data, len, MAX_KERNEL, &k, &k_len, err, sizeof err)) {
        if (!err[0] || k) abort();
        return 0;
    }
    if (!k || k_len > MAX_KERNEL) abort();
    if (!loader_is_gzip(data, len) && !loader_is_xz(data, len) &&
        (k_len != len || memcmp(k, data, len)))
        abort(); /* plain data is copied as is */
    /* Exact-size copy: ASan sees a header read past a short file. */
    uint8_t *img = malloc(k_len ? k_len : 1);
    if (!img) abort();
    memcpy(img, k, k_len);
    free(k);
    (void)loader_is_arm64_image(img, k_len);
    arm64_image_info info;
    if (loader_parse_arm64_image("fuzz.img", img, k_len, &info, err, sizeof err) == 0) {
        if (info.text_offset >= 0x200000 || (info.text_offset & 0xfff)) abort();
    } else if (!err[0]) {
        abort();
    }
    free(img);
    return 0;
}
