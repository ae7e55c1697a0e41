/*
 * C test of libnativebn.
 *   test_nativebn gen SAMPLES.csv COUNT WIDTH    writes COUNT seeded random samples of WIDTH features
 *   test_nativebn check MODEL SAMPLES.csv EXPECTED.csv
 *       predicts the samples through the C ABI and compares with EXPECTED.csv (a header, then class,p0,p1,... per row, written by
 *       the managed `nativebn predict`), predicts from 8 threads at once, checks raw-buffer BatchNorm inference against
 *       a double-precision loop, and checks that bad input returns error codes with messages.
 * Prints one line per check and ends with "N passed, M failed".
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nativebn.h"

static int passed, failed;

static void check(int condition, const char *what) {
    if (condition) { passed++; printf("ok   %s\n", what); }
    else { failed++; printf("FAIL %s\n", what); }
}

static int fails_with(int status, int expected, const char *what) {
    const char *message = nbn_last_error();
    int ok = status == expected && message != NULL && strlen(message) > 0;
    if (ok) printf("     (%s: %s)\n", what, message);
    check(ok, what);
    return ok;
}

static unsigned int seed = 12345u;
static float next_random(void) { seed = seed * 1664525u + 1013904223u; return (seed >> 8) / 16777216.0f; }

static float *read_csv(const char *path, int *rows, int *columns) {
    FILE *f = fopen(path, "r");
    if (!f) { printf("cannot open %s\n", path); exit(2); }
    size_t capacity = 1 << 16, count = 0; float *values = malloc(capacity * sizeof(float));
    char line[1 << 16]; *rows = 0; *columns = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == 0) continue;
        if (isalpha((unsigned char)line[0])) continue; /* a header row naming the columns, as nativebn predict writes */
        int in_row = 0;
        for (char *token = strtok(line, ",\n"); token; token = strtok(NULL, ",\n")) {
            if (count == capacity) { capacity *= 2; values = realloc(values, capacity * sizeof(float)); }
            values[count++] = strtof(token, NULL); in_row++;
        }
        *columns = in_row; (*rows)++;
    }
    fclose(f);
    return values;
}

typedef struct { const nbn_model *model; const float *samples; int count, inputs, classes; float *out; int status; } job;

static void *predict_all(void *argument) {
    job *j = argument;
    j->status = NBN_OK;
    for (int s = 0; s < j->count && j->status == NBN_OK; s++)
        j->status = nbn_predict(j->model, j->samples + (size_t)s * j->inputs, j->inputs, j->out + (size_t)s * j->classes, j->classes);
    return NULL;
}

static int gen(const char *path, int count, int width) {
    FILE *f = fopen(path, "w");
    if (!f) return 2;
    for (int s = 0; s < count; s++)
        for (int i = 0; i < width; i++) fprintf(f, "%.6f%c", next_random(), i + 1 == width ? '\n' : ',');
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "gen") == 0) return gen(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc != 5 || strcmp(argv[1], "check") != 0) { printf("usage: see the comment in test_nativebn.c\n"); return 2; }

    nbn_model *model = NULL;
    check(nbn_model_load(argv[2], &model) == NBN_OK && model != NULL, "load the model");
    if (!model) { printf("error: %s\n", nbn_last_error()); printf("%d passed, %d failed\n", passed, failed + 1); return 1; }
    int inputs = 0, classes = 0;
    check(nbn_model_input_width(model, &inputs) == NBN_OK && inputs > 0, "input width");
    check(nbn_model_output_width(model, &classes) == NBN_OK && classes > 0, "output width");

    int rows, columns, expected_rows, expected_columns;
    float *samples = read_csv(argv[3], &rows, &columns);
    float *expected = read_csv(argv[4], &expected_rows, &expected_columns);
    check(columns == inputs && expected_rows == rows && expected_columns == classes + 1, "sample and expectation files match the model");

    float *probabilities = calloc((size_t)rows * classes, sizeof(float));
    int status = NBN_OK; double worst = 0; int same_class = 1;
    for (int s = 0; s < rows && status == NBN_OK; s++) {
        status = nbn_predict(model, samples + (size_t)s * inputs, inputs, probabilities + (size_t)s * classes, classes);
        int best = 0;
        for (int k = 0; k < classes; k++) {
            double d = fabs(probabilities[s * classes + k] - expected[s * (classes + 1) + 1 + k]);
            if (d > worst) worst = d;
            if (probabilities[s * classes + k] > probabilities[s * classes + best]) best = k;
        }
        if (best != (int)expected[s * (classes + 1)]) same_class = 0;
    }
    printf("     largest |difference| from the managed predictions: %.3g\n", worst);
    check(status == NBN_OK && worst <= 2e-5 && same_class, "single-sample predictions equal the managed ones");

    float *batch = calloc((size_t)rows * classes, sizeof(float));
    check(nbn_predict_batch(model, samples, rows, inputs, batch, rows * classes) == NBN_OK
          && memcmp(batch, probabilities, (size_t)rows * classes * sizeof(float)) == 0, "batch prediction equals single predictions bitwise");

    pthread_t threads[8]; job jobs[8]; int identical = 1;
    for (int t = 0; t < 8; t++) {
        jobs[t] = (job){ model, samples, rows, inputs, classes, calloc((size_t)rows * classes, sizeof(float)), -1 };
        pthread_create(&threads[t], NULL, predict_all, &jobs[t]);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(threads[t], NULL);
        identical &= jobs[t].status == NBN_OK && memcmp(jobs[t].out, probabilities, (size_t)rows * classes * sizeof(float)) == 0;
        free(jobs[t].out);
    }
    check(identical, "8 threads predicting at once give identical results");

    const int n = 5, c = 19; float x[5 * 19], y[5 * 19], gamma[19], beta[19], mean[19], variance[19];
    for (int i = 0; i < n * c; i++) x[i] = next_random() * 4 - 2;
    for (int j = 0; j < c; j++) { gamma[j] = 0.5f + next_random(); beta[j] = next_random() - 0.5f; mean[j] = next_random() - 0.5f; variance[j] = 0.1f + next_random(); }
    status = nbn_batchnorm_infer(x, n, c, gamma, beta, mean, variance, 1e-5f, y);
    double bn_worst = 0;
    for (int i = 0; i < n * c; i++) {
        int j = i % c;
        double reference = gamma[j] * (x[i] - (double)mean[j]) / sqrt(variance[j] + 1e-5) + beta[j];
        double d = fabs(reference - y[i]) / (fabs(reference) > 1 ? fabs(reference) : 1);
        if (d > bn_worst) bn_worst = d;
    }
    check(status == NBN_OK && bn_worst < 2e-6, "raw-buffer BatchNorm inference equals a double-precision loop");

    float out[1024];
    fails_with(nbn_predict(NULL, samples, inputs, out, classes), NBN_ERROR_NULL_ARGUMENT, "NULL model");
    fails_with(nbn_predict(model, NULL, inputs, out, classes), NBN_ERROR_NULL_ARGUMENT, "NULL sample");
    fails_with(nbn_predict(model, samples, inputs, NULL, classes), NBN_ERROR_NULL_ARGUMENT, "NULL output");
    fails_with(nbn_predict(model, samples, inputs - 1, out, classes), NBN_ERROR_INVALID_ARGUMENT, "wrong feature count");
    fails_with(nbn_predict(model, samples, inputs, out, classes + 1), NBN_ERROR_INVALID_ARGUMENT, "wrong output length");
    fails_with(nbn_predict_batch(model, samples, 2, inputs, out, classes), NBN_ERROR_INVALID_ARGUMENT, "wrong batch output length");
    fails_with(nbn_model_input_width(model, NULL), NBN_ERROR_NULL_ARGUMENT, "NULL width");
    fails_with(nbn_batchnorm_infer(x, n, c, gamma, beta, mean, variance, -1.0f, y), NBN_ERROR_INVALID_ARGUMENT, "negative epsilon");
    fails_with(nbn_batchnorm_infer(x, 0, c, gamma, beta, mean, variance, 1e-5f, y), NBN_ERROR_INVALID_ARGUMENT, "n = 0");
    fails_with(nbn_batchnorm_infer(NULL, n, c, gamma, beta, mean, variance, 1e-5f, y), NBN_ERROR_NULL_ARGUMENT, "NULL x");

    nbn_model *missing = (nbn_model *)1;
    fails_with(nbn_model_load("/nonexistent/model.nbm", &missing), NBN_ERROR_FILE, "missing model file");
    check(missing == NULL, "a failed load leaves no handle");
    const char *corrupt_path = "corrupt-model.nbm";
    FILE *corrupt = fopen(corrupt_path, "wb"); fputs("NBNMODEL this is not a model", corrupt); fclose(corrupt);
    fails_with(nbn_model_load(corrupt_path, &missing), NBN_ERROR_FILE, "corrupt model file");
    remove(corrupt_path);
    fails_with(nbn_model_load(NULL, &missing), NBN_ERROR_NULL_ARGUMENT, "NULL path");

    nbn_model_free(model);
    nbn_model_free(NULL);
    free(samples); free(expected); free(probabilities); free(batch);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
