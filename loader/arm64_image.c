/* The arm64 Linux "Image" header (facts: Linux Documentation/arm64/booting.rst):
 *   0x00 code0, 0x04 code1, 0x08 text_offset, 0x10 image_size, 0x18 flags,
 *   0x20..0x37 reserved, 0x38 magic "ARM\x64", 0x3c PE header offset (EFI stub).
 * All fields are little-endian. flags bit 0: kernel endianness (1 = big), bits 1-2: page size,
 * bit 3: may be placed anywhere in RAM (else low in RAM). */
#include "loader/loader.h"

#include <inttypes.h>
#include <stdio.h>

#define ARM64_IMAGE_HEADER_SIZE 64
#define ARM64_IMAGE_MAGIC       0x644d5241u /* "ARM\x64" */
#define ARM64_FLAG_BIG_ENDIAN   (1u << 0)

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Kernels with an EFI stub ("MZ" at 0, PE header offset at 0x3c) list their file contents in the
 * PE section table (PointerToRawData + SizeOfRawData), which gives the length the file must have
 * at least: the only way to tell a truncated Image, as the arm64 header has no file size. Returns
 * that length, or 0 when there is no usable PE header. */
static uint64_t pe_file_end(const uint8_t *data, size_t len) {
    if (len < ARM64_IMAGE_HEADER_SIZE || data[0] != 'M' || data[1] != 'Z') return 0;
    uint64_t pe = le32(data + 0x3c);
    if (pe + 24 > len || le32(data + pe) != 0x00004550u /* "PE\0\0" */) return 0;
    unsigned nsec = le16(data + pe + 6);
    uint64_t sec = pe + 24 + le16(data + pe + 20);
    uint64_t end = 0;
    for (unsigned i = 0; i < nsec; i++, sec += 40) {
        if (sec + 40 > len) return UINT64_MAX; /* the section table itself is cut off */
        uint64_t e = (uint64_t)le32(data + sec + 20) + le32(data + sec + 16);
        if (e > end) end = e;
    }
    return end;
}

bool loader_is_arm64_image(const uint8_t *data, size_t len) {
    return len >= ARM64_IMAGE_HEADER_SIZE && le32(data + 0x38) == ARM64_IMAGE_MAGIC;
}

int loader_parse_arm64_image(const char *path, const uint8_t *data, size_t len,
                             arm64_image_info *info, char *err, size_t errlen) {
    if (len < ARM64_IMAGE_HEADER_SIZE) {
        snprintf(err, errlen, "%s: truncated arm64 Image header (%zu bytes, need %d)", path, len,
                 ARM64_IMAGE_HEADER_SIZE);
        return -1;
    }
    if (le32(data + 0x38) != ARM64_IMAGE_MAGIC) {
        snprintf(err, errlen, "%s: not an arm64 Linux Image (no \"ARM\\x64\" magic at 0x38)", path);
        return -1;
    }
    info->text_offset = le64(data + 0x08);
    info->image_size = le64(data + 0x10);
    info->flags = le64(data + 0x18);
    info->little_endian = !(info->flags & ARM64_FLAG_BIG_ENDIAN);
    /* image_size 0 marks a pre-3.17 kernel whose text_offset is unreliable (booting.rst): the
     * de-facto value was 0x80000. */
    if (info->image_size == 0) info->text_offset = 0x80000;
    /* The kernel is placed text_offset bytes above a 2 MiB aligned base: anything else is not a
     * header a kernel would carry. */
    if (info->text_offset >= 0x200000 || (info->text_offset & 0xfff)) {
        snprintf(err, errlen, "%s: corrupt arm64 Image header (text_offset 0x%" PRIx64 ")", path,
                 info->text_offset);
        return -1;
    }
    if (info->image_size && info->image_size > (UINT64_C(1) << 32)) {
        snprintf(err, errlen, "%s: corrupt arm64 Image header (image_size 0x%" PRIx64 ")", path,
                 info->image_size);
        return -1;
    }
    /* The loaded image (file plus bss) can never be shorter than the file's code: a smaller
     * image_size means the header is damaged. Trailing padding past image_size is rare but
     * allowed (signatures), so only a header smaller than the header itself is refused. */
    if (info->image_size && info->image_size < ARM64_IMAGE_HEADER_SIZE) {
        snprintf(err, errlen, "%s: corrupt arm64 Image header (image_size 0x%" PRIx64 ")", path,
                 info->image_size);
        return -1;
    }
    uint64_t need = pe_file_end(data, len);
    if (need > len) {
        if (need == UINT64_MAX)
            snprintf(err, errlen, "%s: truncated arm64 Image (%zu bytes, cut inside the PE header)",
                     path, len);
        else
            snprintf(err, errlen,
                     "%s: truncated arm64 Image (%zu bytes, its PE sections need %" PRIu64 ")",
                     path, len, need);
        return -1;
    }
    if (info->image_size == 0) info->image_size = len;
    return 0;
}
