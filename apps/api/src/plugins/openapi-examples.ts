// Response examples for the OpenAPI document (/docs), one per route and status. The success bodies were captured
// from a real run of this API (Table A's attention row of `slmlab reproduce paper`, 2026-12-01) and trimmed;
// error bodies are made by edge/errors.ts from the real error classes. plugins/swagger.test.ts checks that
// every response has an example and that each example is valid against its route's schema.
import { ConflictError, InvalidBundleError, LimitExceededError, NotFoundError } from '@slmlab/core';
import { InvalidRequestError, UnavailableError, UnsupportedMediaTypeError } from '../edge/http-errors.ts';
import { AlreadyExistsError } from '../transfer/errors.ts';
import { errorResponse } from '../edge/errors.ts';

const experiment = {
  "id": "bf394473-d1db-4244-aea0-7cb3992abcd0",
  "name": "Table A: attention H=4 · training.seed=689",
  "status": "succeeded",
  "spec": {
    "name": "Table A: attention H=4 · training.seed=689",
    "model": {
      "kind": "attention",
      "block": "post-ln",
      "heads": 4,
      "dModel": 128,
      "dropout": 0.1,
      "ropeBase": 10000,
      "ffnHidden": 512,
      "positions": "learned",
      "attnDropout": 0.1,
      "contextLength": 128
    },
    "dataset": "tinyshakespeare",
    "training": {
      "seed": 689,
      "epochs": 4,
      "batchSize": 64,
      "objective": "last-token",
      "evalWindows": 10000,
      "learningRate": 0.0003,
      "windowsPerEpoch": 50000
    },
    "specVersion": 2
  },
  "attempts": 1,
  "createdAt": "2026-12-01T02:51:40.647Z",
  "startedAt": "2026-12-01T02:51:40.669Z",
  "finishedAt": "2026-12-01T03:19:20.586Z",
  "cancelRequestedAt": null,
  "cost": {
    "params": 231617,
    "flopsStudy": 11858790400000,
    "flopsTrain": 35242137600000
  },
  "worker": {
    "workerId": "w2",
    "backend": "wasm",
    "device": "cpu (wasm, simd, 1 thread)"
  },
  "result": {
    "bestValNll": 2.102478321950147,
    "bestEpoch": 4,
    "testNll": 2.118794331125393,
    "testNllAllTokens": null,
    "backend": "wasm",
    "device": "cpu (wasm, simd, 1 thread)",
    "workerId": "w2",
    "wallSeconds": 1656.904010944,
    "tokensPerSec": 16566.708817462557,
    "gflops": 22.80649342672456,
    "mfu": 0.758485973593866
  },
  "error": null,
  "metrics": [
    {
      "epoch": 1,
      "step": 782,
      "tokens": 6400000,
      "seconds": 460.367020585,
      "trainNll": 2.70411350065485,
      "valNll": 2.4398142410691377,
      "valNllAllTokens": null
    },
    {
      "epoch": 2,
      "step": 1564,
      "tokens": 12800000,
      "seconds": 851.765550424,
      "trainNll": 2.326478332814658,
      "valNll": 2.2301500656042887,
      "valNllAllTokens": null
    },
    {
      "epoch": 3,
      "step": 2346,
      "tokens": 19200000,
      "seconds": 1226.808584089,
      "trainNll": 2.186198167178942,
      "valNll": 2.1505709772656676,
      "valNllAllTokens": null
    },
    {
      "epoch": 4,
      "step": 3128,
      "tokens": 25600000,
      "seconds": 1635.44641542,
      "trainNll": 2.1262508742034893,
      "valNll": 2.102478321950147,
      "valNllAllTokens": null
    }
  ],
  "checkpoints": [
    {
      "id": "480ffe50-4cad-48a5-9707-b646000880ba",
      "tag": "latest",
      "epoch": 4,
      "step": 3128,
      "format": "slmlab-state-v1",
      "sizeBytes": 3713562,
      "createdAt": "2026-12-01T03:18:59.178Z"
    },
    {
      "id": "bbc813ee-501b-4af9-bf35-037bccd6233a",
      "tag": "best",
      "epoch": 4,
      "step": 3128,
      "format": "slmlab-weights-v1",
      "sizeBytes": 928632,
      "createdAt": "2026-12-01T03:19:20.559Z"
    }
  ]
};

const { metrics: _curve, checkpoints: _saved, ...summary } = experiment;

const queued = { ...summary, status: 'queued', attempts: 0, startedAt: null, finishedAt: null, worker: null, result: null };
const cancelRequestedAt = '2026-12-01T03:05:12.000Z';
const cancelling = { ...summary, status: 'running', finishedAt: null, result: null, cancelRequestedAt };
const cancelled = { ...cancelling, status: 'cancelled', finishedAt: '2026-12-01T03:05:13.000Z', error: 'cancelled on request while running' };

const { specVersion: _version, name: _name, ...postedSpec } = experiment.spec;

const sweep = {
  "id": "e355fb50-fb7d-428a-b1e0-4be3585de5dc",
  "name": "paper/table-a/attention",
  // The sweep's base: the experiment's spec as it was posted (before the service added its defaults).
  "base": { ...postedSpec, name: 'Table A: attention H=4' },
  "axes": {},
  "seeds": [
    689
  ],
  "specHash": "8c628de899b20b9a8a472b45d848052c358563e45d9dc3c9a62363e22535b3cc",
  "createdAt": "2026-12-01T02:51:40.666Z",
  "cellCount": 1,
  "counts": {
    "queued": 0,
    "running": 0,
    "succeeded": 1,
    "failed": 0,
    "cancelled": 0
  },
  "cells": [
    {
      "index": 0,
      "axes": {},
      "seed": 689,
      "experimentId": "bf394473-d1db-4244-aea0-7cb3992abcd0",
      "status": "succeeded",
      "testNll": 2.118794331125393,
      "replacedExperimentIds": []
    }
  ]
};

const { cells: _cells, ...sweepSummary } = sweep;

// The experiment above as another deployment imports it after a cancel in its third epoch: queued, its run's
// bookkeeping afresh, resuming from the stop checkpoint (illustrative numbers on the real experiment's shape).
const imported = {
  experiment: { ...queued, error: null, cancelRequestedAt: null },
  source: { deploymentId: 'vm:slmlab:slmlab', exportedAt: '2026-12-01T03:06:02.114Z', slmlabVersion: '0.1.0' },
  resumes: true,
  resumeFrom: { tag: 'latest', epoch: 2, step: 1877 },
  stored: { metricPoints: 2, checkpoints: 1 },
};

/** Keyed by method and route URL as Fastify writes it, then by status. */
export const SUCCESS_EXAMPLES: Record<string, Record<number, unknown>> = {
  'GET /healthz': { 200: { status: 'ok' } },
  'GET /readyz': { 200: {
  "status": "ready",
  "checks": {
    "postgres": "ok",
    "redis": "ok"
  }
}, 503: { status: 'unavailable', checks: { postgres: 'ok', redis: 'unreachable' } } },
  'POST /v1/experiments': { 201: queued, 200: summary },
  'GET /v1/experiments': { 200: { items: [summary], nextCursor: null } },
  'GET /v1/experiments/:id': { 200: experiment },
  'POST /v1/experiments/:id/cancel': { 200: cancelled, 202: cancelling },
  'GET /v1/experiments/:id/checkpoints': { 200: { items: experiment.checkpoints } },
  'GET /v1/experiments/:id/metrics': { 200: {
  "id": "bf394473-d1db-4244-aea0-7cb3992abcd0",
  "x": "flops",
  "kind": "epoch",
  "total": 4,
  "points": [
    {
      "x": 8810534400000,
      "epoch": 1,
      "step": 782,
      "tokens": 6400000,
      "seconds": 460.367020585,
      "flops": 8810534400000,
      "trainNll": 2.70411350065485,
      "valNll": 2.4398142410691377,
      "valNllAllTokens": null
    },
    {
      "x": 26431603200000,
      "epoch": 3,
      "step": 2346,
      "tokens": 19200000,
      "seconds": 1226.808584089,
      "flops": 26431603200000,
      "trainNll": 2.186198167178942,
      "valNll": 2.1505709772656676,
      "valNllAllTokens": null
    },
    {
      "x": 35242137600000,
      "epoch": 4,
      "step": 3128,
      "tokens": 25600000,
      "seconds": 1635.44641542,
      "flops": 35242137600000,
      "trainNll": 2.1262508742034893,
      "valNll": 2.102478321950147,
      "valNllAllTokens": null
    }
  ]
} },
  'GET /v1/frontier': { 200: { x: 'flopsTrain', y: 'testNll', points: [{ x: 35242137600000, y: 2.118794331125393, experiment: summary }] } },
  'GET /v1/compare': { 200: {
  "at": "tokens",
  "values": [
    10000000,
    20000000
  ],
  "items": [
    {
      "id": "bf394473-d1db-4244-aea0-7cb3992abcd0",
      "name": "Table A: attention H=4 · training.seed=689",
      "status": "succeeded",
      "range": {
        "min": 6400000,
        "max": 25600000
      },
      "valNll": [
        2.32187814237016,
        2.1445593953512274
      ]
    }
  ]
} },
  'POST /v1/sweeps': { 201: sweep, 200: sweep },
  'GET /v1/sweeps': { 200: { items: [sweepSummary], nextCursor: null } },
  'GET /v1/sweeps/:id': { 200: sweep },
  'DELETE /v1/sweeps/:id': { 200: { cancelled: 1, cancelRequested: 0, untouched: 0 } },
  // Captured from a wasm worker of this API training a job (2026-12-01), its job id set to the experiment's above.
  'GET /v1/workers': { 200: { items: [{
    "id": "w2",
    "host": "vm",
    "pid": 22446,
    "backend": "wasm",
    "device": "cpu (wasm, simd, 1 thread)",
    "threads": 1,
    "peakGflops": 30.5,
    "startedAt": "2026-12-01T12:06:26.571Z",
    "seenAt": "2026-12-01T12:06:46.586Z",
    "state": "busy",
    "currentJob": { "experimentId": experiment.id, "since": "2026-12-01T12:06:45.218Z", "name": experiment.name },
  }] } },
  'GET /v1/queue': { 200: {
    "jobs": { "waiting": 0, "active": 1, "delayed": 0, "prioritized": 0, "failed": 0, "completed": 0, "paused": 0 },
    "experiments": { "queued": 0, "running": 1, "succeeded": 0, "failed": 0, "cancelled": 0 },
    "workers": { "live": 1, "busy": 1 },
  } },
  'POST /v1/experiments/import': {
    201: imported,
    // Route-specific errors (the table below holds every route's usual ones).
    400: errorResponse(new InvalidBundleError([{ path: '/header/checkpoints/0/sha256', message: 'hash mismatch: checkpoint 0 (latest) hashes to 5d41402abc4b2a76b9719d911017c592ae4f0e7c1b0f1d9d5f0e3b8e1c2d3a4b, the header says 8c628de899b20b9a8a472b45d848052c358563e45d9dc3c9a62363e22535b3cc: the file is corrupt' }]))[1],
    409: errorResponse(new AlreadyExistsError(experiment.id))[1],
    415: errorResponse(new UnsupportedMediaTypeError('the body is a bundle file (GET /v1/experiments/:id/export): send it as application/octet-stream, not with content-type application/json'))[1],
  },
  'POST /v1/sweeps/:id/retry': { 200: { retried: [{ index: 0, axes: {}, seed: 689, previousExperimentId: '9b8e1c53-6d0f-4f0e-9a51-2f1f5d3f0a11', experimentId: sweep.cells[0]!.experimentId }], sweep } },
};

/** Responses with several media types (or one that is not JSON), by media type. */
export const MEDIA_EXAMPLES: Record<string, Record<number, Record<string, unknown>>> = {
  'GET /metrics': { 200: { 'text/plain': '# HELP slmlab_queue_jobs BullMQ jobs of the experiment queue by state (paused: waiting and prioritized jobs held back).\n# TYPE slmlab_queue_jobs gauge\nslmlab_queue_jobs{state="waiting"} 3\nslmlab_queue_jobs{state="active"} 2\n…\n# HELP slmlab_worker_training_tokens_per_second Training tokens per second of the runs in progress (0 when idle).\n# TYPE slmlab_worker_training_tokens_per_second gauge\nslmlab_worker_training_tokens_per_second{worker="gpu-box-0",backend="wasm"} 13092\n' } },
  'GET /v1/experiments/:id/events': { 200: { 'text/event-stream': "event: state\ndata: {\"id\":\"bf394473-d1db-4244-aea0-7cb3992abcd0\",\"status\":\"running\",…}\n\nevent: progress\ndata: {\"experimentId\": \"bf394473-d1db-4244-aea0-7cb3992abcd0\", \"epoch\": 1, \"step\": 310, \"totalSteps\": 3128, \"loss\": 2.5736, \"tokensPerSec\": 13092.0, \"etaSeconds\": 1763.3}\n\nevent: end\ndata: {\"id\":\"bf394473-d1db-4244-aea0-7cb3992abcd0\",\"status\":\"succeeded\",…}\n\n" } },
  'GET /v1/sweeps/:id/events': { 200: { 'text/event-stream': "event: sweep\ndata: {\"id\":\"e355fb50-fb7d-428a-b1e0-4be3585de5dc\",\"counts\":{\"queued\":0,\"running\":1,\"succeeded\":0,\"failed\":0,\"cancelled\":0},…}\n\nevent: progress\ndata: {\"experimentId\": \"bf394473-d1db-4244-aea0-7cb3992abcd0\", \"epoch\": 1, \"step\": 310, \"totalSteps\": 3128, \"loss\": 2.5736, \"tokensPerSec\": 13092.0, \"etaSeconds\": 1763.3}\n\nevent: end\ndata: {\"id\":\"e355fb50-fb7d-428a-b1e0-4be3585de5dc\",\"counts\":{\"queued\":0,\"running\":0,\"succeeded\":1,\"failed\":0,\"cancelled\":0},…}\n\n" } },
  'GET /v1/sweeps/:id/table': {
    200: {
      'application/json': {
  "sweepId": "e355fb50-fb7d-428a-b1e0-4be3585de5dc",
  "axes": [],
  "rows": [
    {
      "axes": {},
      "params": 231617,
      "flopsStudy": 11858790400000,
      "flopsTrain": 35242137600000,
      "cells": 1,
      "n": 1,
      "testNllMean": 2.118794331125393,
      "testNllStd": null,
      "bestEpochMean": 4,
      "bestEpochs": [
        4
      ],
      "counts": sweep.counts
    }
  ]
},
      'text/csv': "params,flopsStudy,flopsTrain,cells,n,testNllMean,testNllStd,bestEpochMean,bestEpochs,queued,running,succeeded,failed,cancelled\n231617,11858790400000,35242137600000,1,1,2.118794331125393,,4,4,0,0,1,0,0\n",
      'text/markdown': "| params | flopsStudy | flopsTrain | n | test NLL | best epoch | status |\n| --- | --- | --- | --- | --- | --- | --- |\n| 231617 | 1.186e+13 | 3.524e+13 | 1/1 | 2.1188 | 4 | 1 succeeded |\n",
    },
  },
};

const ID = sweep.cells[0]!.experimentId;

/** What each error status looks like, as edge/errors.ts writes it. */
export const ERROR_EXAMPLES: Record<number, unknown> = {
  400: errorResponse(new InvalidRequestError('querystring', [{ path: '/limit', message: 'must be <= 100' }]))[1],
  404: errorResponse(new NotFoundError('experiment', ID))[1],
  409: errorResponse(new ConflictError(`experiment ${ID} has already succeeded`, 'succeeded'))[1],
  413: errorResponse({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' })[1],
  415: errorResponse({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Unsupported Media Type: text/plain' })[1],
  422: errorResponse(
    new LimitExceededError([{ path: '/model', message: 'estimated 61,000,000 parameters exceed SLMLAB_MAX_PARAMS (50,000,000)' }], {
      params: { estimate: 61_000_000, limit: 50_000_000 },
    }),
  )[1],
  503: errorResponse(new UnavailableError('the queue (Redis) is unreachable; retry later'))[1],
};
