/*
 * nativebn.h: the C interface of libnativebn, the NativeBn engine compiled ahead of time into a shared library
 * (dotnet publish src/NativeBn.Native -c Release -r linux-x64; link with -lnativebn).
 *
 * Conventions
 * - Every function returns NBN_OK (0) or an NBN_ERROR_* code. After an error, nbn_last_error() returns a
 *   NUL-terminated UTF-8 message describing it. The message belongs to the library, is valid until the next failing
 *   call on the same thread, and must not be freed. Successful calls leave it unchanged.
 * - Buffers are caller-owned, row-major float32 arrays; every length is a count of floats, not of bytes.
 * - No function keeps a pointer to a caller buffer after it returns.
 * - Thread safety: a loaded model may be used by nbn_predict and nbn_predict_batch from any number of threads at once.
 *   nbn_model_free must not run concurrently with other calls on the same model. Functions never abort the process:
 *   failures, including bad arguments, come back as error codes.
 * - The library cannot be unloaded (dlclose is not supported by NativeAOT shared libraries).
 */
#ifndef NATIVEBN_H
#define NATIVEBN_H

#ifdef __cplusplus
extern "C" {
#endif

#define NBN_OK 0
#define NBN_ERROR_NULL_ARGUMENT 1    /* a required pointer was NULL */
#define NBN_ERROR_INVALID_ARGUMENT 2 /* a length, count or value was wrong, e.g. the wrong number of features */
#define NBN_ERROR_FILE 3             /* the model file is missing, unreadable, corrupt or of an unsupported kind */
#define NBN_ERROR_INTERNAL 99        /* anything else */

/* An opaque handle to a loaded model. */
typedef struct nbn_model nbn_model;

/*
 * Loads a model: a NativeBn model file, a .onnx file or a .safetensors file (chosen by the extension).
 * path: NUL-terminated UTF-8 file name. *model receives the handle (NULL on failure); release it with nbn_model_free.
 * Predictions use the exact population statistics when every BatchNorm layer has them, the running statistics otherwise.
 */
int nbn_model_load(const char *path, nbn_model **model);

/* Releases a model; NULL is ignored. A handle must be freed once, after every call using it has returned. */
void nbn_model_free(nbn_model *model);

/* *width receives the number of features per sample (the model's input width). */
int nbn_model_input_width(const nbn_model *model, int *width);

/* *width receives the number of values the model outputs per sample (for a classifier, the number of classes). */
int nbn_model_output_width(const nbn_model *model, int *width);

/*
 * The model's output for one sample: what its graph computes. For a model that ends in softmax this is the class
 * probabilities; every NativeBn model file of format version 1 and every model written by `nativebn train` ends in
 * softmax, so for those the contract is unchanged. A model without a final softmax (e.g. an ONNX file that outputs
 * logits) gives its raw outputs.
 * sample: sample_length floats, which must equal the input width.
 * probabilities: receives probabilities_length floats, which must equal the output width.
 */
int nbn_predict(const nbn_model *model, const float *sample, int sample_length, float *probabilities, int probabilities_length);

/*
 * The model's outputs (as nbn_predict) for count samples stored one after another.
 * samples: count x sample_length floats (sample_length = input width).
 * probabilities: receives count x output width floats (probabilities_length must be exactly that).
 */
int nbn_predict_batch(const nbn_model *model, const float *samples, int count, int sample_length,
                      float *probabilities, int probabilities_length);

/*
 * Batch-normalization inference on raw buffers with given statistics, channels-last [n, c]:
 * y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, evaluated as y = x * scale + shift with the folded
 * coefficients computed in double. x and y hold n x c floats (y may be x); gamma, beta, mean and variance hold c floats
 * (variance >= 0); epsilon > 0.
 */
int nbn_batchnorm_infer(const float *x, int n, int c, const float *gamma, const float *beta,
                        const float *mean, const float *variance, float epsilon, float *y);

/* The calling thread's last error message (see the conventions above), or NULL if no call has failed on it. */
const char *nbn_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* NATIVEBN_H */
