// Runs the CUDA kernels of ../batchnorm.cu on the host (blocks of BLOCK threads with a real barrier, see host_grid.h)
// and compares every result with a double-precision reference written here. It checks the kernels' indexing, layouts,
// grid-stride loops, Welford updates and shared-memory merge trees; the PTX itself runs only on a GPU.
// Prints "ok <check>" or "FAIL <check>: ..." per check and "N passed, N failed" at the end.
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "../batchnorm.cu"

thread_local unsigned nbn_thread_index;
thread_local unsigned nbn_block_index;
unsigned nbn_block_count;
pthread_barrier_t nbn_block_barrier;

static int passed = 0, failed = 0;

template <class Kernel> static void launch(unsigned blocks, Kernel kernel) {
    nbn_block_count = blocks;
    pthread_barrier_init(&nbn_block_barrier, nullptr, BLOCK);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < BLOCK; t++) {
        threads.emplace_back([&, t] {
            nbn_thread_index = t;
            for (unsigned b = 0; b < blocks; b++) {
                nbn_block_index = b;
                kernel();
                sync_threads();  // the next block reuses the shared arrays
            }
        });
    }
    for (auto &thread : threads) thread.join();
    pthread_barrier_destroy(&nbn_block_barrier);
}

struct Shape {
    int n, c, s, channels_last;
    long total() const { return (long)n * s * c; }
    long positions() const { return (long)n * s; }
    // Element of position p (sample-major, then spatial) in channel ch, computed independently of the kernels.
    long index(long p, int ch) const {
        long sample = p / s, spatial = p % s;
        return channels_last ? (sample * s + spatial) * c + ch : (sample * c + ch) * s + spatial;
    }
};

static void check(bool ok, const char *what, const Shape &shape, double worst) {
    char name[160];
    snprintf(name, sizeof name, "%s n=%d c=%d s=%d %s", what, shape.n, shape.c, shape.s, shape.channels_last ? "channels-last" : "channels-first");
    if (ok) { passed++; printf("ok %s\n", name); }
    else { failed++; printf("FAIL %s: worst error %.3e\n", name, worst); }
}

// Largest |actual - expected| / max(1, |expected|).
static double worst_error(const std::vector<float> &actual, const std::vector<double> &expected) {
    double worst = 0;
    for (size_t i = 0; i < actual.size(); i++) worst = std::fmax(worst, std::fabs(actual[i] - expected[i]) / std::fmax(1.0, std::fabs(expected[i])));
    return worst;
}

static std::vector<float> uniform(std::mt19937 &random, long count, double low, double high) {
    std::uniform_real_distribution<double> distribution(low, high);
    std::vector<float> values(count);
    for (auto &v : values) v = (float)distribution(random);
    return values;
}

static void element_wise_kernels(const Shape &shape, std::mt19937 &random) {
    long total = shape.total();
    int s = shape.channels_last ? 1 : shape.s;
    auto x = uniform(random, total, -3, 5), dy = uniform(random, total, -1, 1);
    auto p0 = uniform(random, shape.c, -2, 2), p1 = uniform(random, shape.c, 0.2, 2), p2 = uniform(random, shape.c, -1, 1),
         p3 = uniform(random, shape.c, -0.5, 0.5);
    std::vector<float> y(total, NAN);
    std::vector<double> expected(total);
    const float *px = x.data(), *pdy = dy.data(), *a = p0.data(), *b = p1.data(), *m = p2.data(), *e = p3.data();
    float *py = y.data();

    for (int relu = 0; relu < 2; relu++) {
        launch(3, [&] { nbn_affine(px, py, a, b, total, shape.c, s, shape.channels_last, relu); });
        for (long p = 0; p < shape.positions(); p++)
            for (int ch = 0; ch < shape.c; ch++) {
                long i = shape.index(p, ch);
                double v = (double)x[i] * a[ch] + b[ch];
                expected[i] = relu && v < 0 ? 0 : v;
            }
        check(worst_error(y, expected) <= 1e-6, relu ? "nbn_affine relu" : "nbn_affine", shape, worst_error(y, expected));
    }

    launch(3, [&] { nbn_centered_affine(px, py, a, b, m, total, shape.c, s, shape.channels_last); });
    for (long p = 0; p < shape.positions(); p++)
        for (int ch = 0; ch < shape.c; ch++) {
            long i = shape.index(p, ch);
            expected[i] = ((double)x[i] - a[ch]) * b[ch] + m[ch];
        }
    check(worst_error(y, expected) <= 1e-6, "nbn_centered_affine", shape, worst_error(y, expected));

    launch(3, [&] { nbn_input_gradient(pdy, px, py, a, b, m, e, total, shape.c, s, shape.channels_last); });
    for (long p = 0; p < shape.positions(); p++)
        for (int ch = 0; ch < shape.c; ch++) {
            long i = shape.index(p, ch);
            expected[i] = (double)a[ch] * dy[i] + (double)a[ch] * ((double)x[i] - m[ch]) * b[ch] + e[ch];
        }
    check(worst_error(y, expected) <= 1e-6, "nbn_input_gradient", shape, worst_error(y, expected));
}

static void reductions(const Shape &shape, std::mt19937 &random, double offset) {
    long total = shape.total(), positions = shape.positions();
    int s = shape.channels_last ? 1 : shape.s;
    auto x = uniform(random, total, offset - 3, offset + 5), dy = uniform(random, total, -1, 1);
    std::vector<double> mean(shape.c, NAN), m2(shape.c, NAN), sum_dy(shape.c, NAN), sum_centered(shape.c, NAN);
    const float *px = x.data(), *pdy = dy.data();
    double *pmean = mean.data(), *pm2 = m2.data(), *pa = sum_dy.data(), *pb = sum_centered.data();

    launch(shape.c, [&] { nbn_moments(px, pmean, pm2, positions, shape.c, s, shape.channels_last); });
    double worst_moment = 0;
    std::vector<double> reference_mean(shape.c);
    for (int ch = 0; ch < shape.c; ch++) {
        double sum = 0, squares = 0;
        for (long p = 0; p < positions; p++) sum += x[shape.index(p, ch)];
        double mu = sum / positions;
        for (long p = 0; p < positions; p++) { double d = x[shape.index(p, ch)] - mu; squares += d * d; }
        reference_mean[ch] = mu;
        worst_moment = std::fmax(worst_moment, std::fabs(mean[ch] - mu) / std::fmax(1.0, std::fabs(mu)));
        worst_moment = std::fmax(worst_moment, std::fabs(m2[ch] - squares) / std::fmax(1e-300, std::fmax(squares, positions * 1e-12)));
    }
    check(worst_moment <= 1e-10, offset == 0 ? "nbn_moments" : "nbn_moments offset 1e4", shape, worst_moment);

    launch(shape.c, [&] { nbn_gradient_sums(pdy, px, reference_mean.data(), pa, pb, positions, shape.c, s, shape.channels_last); });
    double worst_sum = 0;
    for (int ch = 0; ch < shape.c; ch++) {
        double a = 0, b = 0, a_scale = 0, b_scale = 0;
        for (long p = 0; p < positions; p++) {
            long i = shape.index(p, ch);
            double term = dy[i] * ((double)x[i] - reference_mean[ch]);
            a += dy[i]; b += term; a_scale += std::fabs(dy[i]); b_scale += std::fabs(term);
        }
        worst_sum = std::fmax(worst_sum, std::fabs(sum_dy[ch] - a) / std::fmax(1e-300, a_scale));
        worst_sum = std::fmax(worst_sum, std::fabs(sum_centered[ch] - b) / std::fmax(1e-300, b_scale));
    }
    check(worst_sum <= 1e-12, offset == 0 ? "nbn_gradient_sums" : "nbn_gradient_sums offset 1e4", shape, worst_sum);
}

int main() {
    std::mt19937 random(20261124);
    for (int channels_last = 0; channels_last < 2; channels_last++)
        for (int c : {1, 3, 37})
            for (int n : {1, 2, 300})
                for (int s : {1, 6}) {
                    Shape shape{n, c, s, channels_last};
                    element_wise_kernels(shape, random);
                    reductions(shape, random, 0);
                    if (n * s > 1) reductions(shape, random, 1e4);
                }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
