// The learning-curve point the ML core produces and the database stores (one per finished epoch).
export interface EpochMetrics {
  epoch: number;
  /** Optimizer steps taken so far, over all epochs. */
  step: number;
  /** Input tokens seen so far (windows × T, as the study counts them). */
  tokens: number;
  seconds: number;
  trainNll: number;
  valNll: number;
  /** All-tokens models: validation NLL over every position. */
  valNllAllTokens?: number;
}

/** A running job's progress report: the worker sends it to BullMQ, the API streams it to clients. */
export interface TrainProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerSec: number;
  etaSeconds: number;
}
