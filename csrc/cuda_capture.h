/* turboattn under CUDA graph capture (torch.cuda.graph, cudaStreamBeginCapture): refused, with one explanation
 * wherever the capture is found. Shared by the C side (device_array.c, Python errors) and the launchers
 * (cuda_common.cuh, status errors); docs/DESIGN.md "Streams" says why a graph cannot hold a turboattn call. */
#ifndef TA_CUDA_CAPTURE_H
#define TA_CUDA_CAPTURE_H

#include <cuda_runtime_api.h>

#define TA_CAPTURE_WHY                                                                                            \
    "turboattn cannot run under CUDA graph capture: each call checks its inputs for NaN/Inf on the host before " \
    "it returns, and its kernels run on the legacy default stream, which a graph cannot hold; call it outside "  \
    "the captured region"

/* The errors by which the runtime says that a capture is in the way: a call made while a capture is active
 * reports one of these whichever turboattn step it reached first. */
static inline int ta_is_capture_error(cudaError_t err)
{
    switch (err) {
    case cudaErrorStreamCaptureUnsupported:
    case cudaErrorStreamCaptureInvalidated:
    case cudaErrorStreamCaptureMerge:
    case cudaErrorStreamCaptureUnmatched:
    case cudaErrorStreamCaptureUnjoined:
    case cudaErrorStreamCaptureIsolation:
    case cudaErrorStreamCaptureImplicit:
    case cudaErrorCapturedEvent:
    case cudaErrorStreamCaptureWrongThread:
        return 1;
    default:
        return 0;
    }
}

/* A capture error when `stream` is capturing, else cudaSuccess. Asked before a call does any CUDA work, so that
 * the capture stays valid and the caller sees turboattn's refusal alone (cudaStreamIsCapturing is legal during a
 * capture). Only a stream that can capture is worth asking: asked of the legacy stream, the runtime answered "not
 * capturing" while a blocking stream captured (session 26, CUDA 13 runtime, driver 580), although its
 * documentation says it reports cudaErrorStreamCaptureImplicit there. A failed query is left to the calls that
 * follow, with the thread's last error cleared. */
static inline cudaError_t ta_capture_query(cudaStream_t stream)
{
    enum cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    const cudaError_t err = cudaStreamIsCapturing(stream, &status);
    if (err != cudaSuccess) {
        cudaGetLastError();
        return ta_is_capture_error(err) ? err : cudaSuccess;
    }
    return status == cudaStreamCaptureStatusNone ? cudaSuccess : cudaErrorStreamCaptureUnsupported;
}

#endif
