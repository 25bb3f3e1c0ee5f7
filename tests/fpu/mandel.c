/*
 * x87 Mandelbrot benchmark guest: the "mandel" workload of /work/shared/bench/gbench.c
 * (320x200 points, 256 iterations, double arithmetic compiled to x87 code) as a bare-metal
 * -bios image (tests/fpu/crt.S). Prints "mandel SUM" on COM1 and exits through port 0xF4.
 * Built natively as well, the checksum must match (tests/fpu/mandel-bench.sh).
 */
#include <stdint.h>

void out_char(char c);
int guest_main(void);

#ifndef MANDEL_SCALE
#define MANDEL_SCALE 1
#endif

static void out_hex32(uint32_t v)
{
    for (int i = 7; i >= 0; i--) {
        out_char("0123456789abcdef"[(v >> (4 * i)) & 15]);
    }
}

int guest_main(void)
{
    uint32_t sum = 0;
    int w = 320, h = 200 * MANDEL_SCALE;

    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            double cr = -2.0 + 3.0 * x / w, ci = -1.2 + 2.4 * (y % 200) / 200.0;
            double zr = 0, zi = 0;
            int it = 0;

            while (it < 256 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                it++;
            }
            sum = sum * 33 + (uint32_t)it;
        }
    }
    for (const char *p = "mandel "; *p; p++) {
        out_char(*p);
    }
    out_hex32(sum);
    out_char('\n');
    return 0;
}

#ifndef FPUTEST_BAREMETAL
#include <unistd.h>

void out_char(char c)
{
    (void)!write(1, &c, 1);
}

int main(void)
{
    return guest_main();
}
#endif
