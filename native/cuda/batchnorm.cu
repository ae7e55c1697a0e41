// Batch-normalization kernels for NativeBn's CUDA path, compiled to PTX without the CUDA toolkit:
//   clang-14 -x cuda --cuda-gpu-arch=sm_70 --cuda-device-only -nocudainc -nocudalib -O3 -S batchnorm.cu -o batchnorm.ptx
// Layouts match the CPU engine: channels-last data (NC, NHWC) has C contiguous channels per position; channels-first
// data (NCHW) has S = H*W contiguous positions per (sample, channel). Element i of a tensor belongs to channel
// (channels_last ? i % C : (i / S) % C); position p of channel c is element
// (channels_last ? p*C + c : (p / S)*C*S + c*S + p % S). Statistics and sums are kept in double.

#define BLOCK 256

#ifdef NBN_HOST_EMULATION
// A host build for checking the kernels' logic without a GPU (native/cuda/emulation): blocks run one after another,
// each as BLOCK host threads that meet at a barrier.
#include "emulation/host_grid.h"
#else
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))

__device__ static inline unsigned thread_x(void) { return __nvvm_read_ptx_sreg_tid_x(); }
__device__ static inline unsigned block_x(void) { return __nvvm_read_ptx_sreg_ctaid_x(); }
__device__ static inline unsigned blocks_x(void) { return __nvvm_read_ptx_sreg_nctaid_x(); }
__device__ static inline void sync_threads(void) { __nvvm_bar_sync(0); }
#endif

__device__ static inline long element_of(long p, int c, int C, int S, int channels_last) {
    return channels_last ? p * C + c : (p / S) * (long)C * S + (long)c * S + p % S;
}

__device__ static inline int channel_of(long i, int C, int S, int channels_last) {
    return channels_last ? (int)(i % C) : (int)((i / S) % C);
}

// y = x*scale[c] + shift[c], then max(y, 0) when relu: inference with folded coefficients.
extern "C" __global__ void nbn_affine(const float *x, float *y, const float *scale, const float *shift,
                                      long total, int C, int S, int channels_last, int relu) {
    for (long i = (long)block_x() * BLOCK + thread_x(); i < total; i += (long)blocks_x() * BLOCK) {
        int c = channel_of(i, C, S, channels_last);
        float v = __builtin_fmaf(x[i], scale[c], shift[c]);
        y[i] = relu && v < 0.0f ? 0.0f : v;
    }
}

// y = (x - mean[c])*scale[c] + shift[c]: the training-forward normalize step.
extern "C" __global__ void nbn_centered_affine(const float *x, float *y, const float *mean, const float *scale,
                                               const float *shift, long total, int C, int S, int channels_last) {
    for (long i = (long)block_x() * BLOCK + thread_x(); i < total; i += (long)blocks_x() * BLOCK) {
        int c = channel_of(i, C, S, channels_last);
        y[i] = __builtin_fmaf(x[i] - mean[c], scale[c], shift[c]);
    }
}

// dx = a[c]*dy + (a[c]*(x - mean[c]))*k[c] + e[c]: the input gradient with batch statistics (a first keeps the factors in range).
extern "C" __global__ void nbn_input_gradient(const float *dy, const float *x, float *dx, const float *a, const float *k,
                                              const float *mean, const float *e, long total, int C, int S, int channels_last) {
    for (long i = (long)block_x() * BLOCK + thread_x(); i < total; i += (long)blocks_x() * BLOCK) {
        int c = channel_of(i, C, S, channels_last);
        dx[i] = __builtin_fmaf((x[i] - mean[c]) * a[c], k[c], __builtin_fmaf(dy[i], a[c], e[c]));
    }
}

// One block per channel: each thread runs Welford's update over its positions, then the block merges the threads'
// (count, mean, M2) with Chan's formula in a shared-memory tree. Writes mean[c] and M2[c] (double).
extern "C" __global__ void nbn_moments(const float *x, double *mean, double *m2, long M, int C, int S, int channels_last) {
    __shared__ double s_count[BLOCK];
    __shared__ double s_mean[BLOCK];
    __shared__ double s_m2[BLOCK];
    int c = block_x();
    unsigned t = thread_x();
    double count = 0, mu = 0, sq = 0;
    for (long p = t; p < M; p += BLOCK) {
        double v = x[element_of(p, c, C, S, channels_last)];
        count += 1;
        double delta = v - mu;
        mu += delta / count;
        sq += delta * (v - mu);
    }
    s_count[t] = count; s_mean[t] = mu; s_m2[t] = sq;
    sync_threads();
    for (unsigned half = BLOCK / 2; half > 0; half >>= 1) {
        if (t < half) {
            double na = s_count[t], nb = s_count[t + half], n = na + nb;
            if (nb > 0) {
                double delta = s_mean[t + half] - s_mean[t];
                s_mean[t] = s_mean[t] + delta * nb / n;
                s_m2[t] = s_m2[t] + s_m2[t + half] + delta * delta * na * nb / n;
                s_count[t] = n;
            }
        }
        sync_threads();
    }
    if (t == 0) { mean[c] = s_mean[0]; m2[c] = s_m2[0]; }
}

// One block per channel: sum_dy[c] = sum(dy), sum_centered[c] = sum(dy*(x - mean[c])), in double.
extern "C" __global__ void nbn_gradient_sums(const float *dy, const float *x, const double *mean, double *sum_dy,
                                             double *sum_centered, long M, int C, int S, int channels_last) {
    __shared__ double s_a[BLOCK];
    __shared__ double s_b[BLOCK];
    int c = block_x();
    unsigned t = thread_x();
    double a = 0, b = 0, mu = mean[c];
    for (long p = t; p < M; p += BLOCK) {
        long i = element_of(p, c, C, S, channels_last);
        double g = dy[i];
        a += g;
        b += g * ((double)x[i] - mu);
    }
    s_a[t] = a; s_b[t] = b;
    sync_threads();
    for (unsigned half = BLOCK / 2; half > 0; half >>= 1) {
        if (t < half) { s_a[t] += s_a[t + half]; s_b[t] += s_b[t + half]; }
        sync_threads();
    }
    if (t == 0) { sum_dy[c] = s_a[0]; sum_centered[c] = s_b[0]; }
}
