// Host stand-ins for the CUDA built-ins the kernels use. One block runs at a time as BLOCK threads, so a kernel's
// __shared__ arrays become function statics shared by exactly the threads of the running block, and __syncthreads
// becomes a barrier across them.
#pragma once
#include <pthread.h>

#define __global__
#define __device__
#define __shared__ static

extern thread_local unsigned nbn_thread_index;
extern thread_local unsigned nbn_block_index;
extern unsigned nbn_block_count;
extern pthread_barrier_t nbn_block_barrier;

static inline unsigned thread_x(void) { return nbn_thread_index; }
static inline unsigned block_x(void) { return nbn_block_index; }
static inline unsigned blocks_x(void) { return nbn_block_count; }
static inline void sync_threads(void) { pthread_barrier_wait(&nbn_block_barrier); }
