// exports of assembly/cell — see docs/DESIGN.md "Cells".
// kind: 0 tanh-RNN, 1 LSTM, 2 LSTM with peepholes, 3 GRU reset-after, 4 GRU reset-before.
// Each export dispatches on kind to the unit files; the *_scalar twins run the same code with
// plain f32 loops, scalar activations and the scalar GEMM twins.
import { checkRange } from "../util";
import { rnn_tanh_packed_size, rnn_tanh_pack, rnn_tanh_saved_size, rnn_tanh_work_size, rnn_tanh_forward, rnn_tanh_backward } from "./rnn_tanh";
import { lstm_packed_size, lstm_pack, lstm_saved_size, lstm_work_size, lstm_forward, lstm_backward } from "./lstm";
import { gru_packed_size, gru_pack, gru_saved_size, gru_work_size, gru_forward, gru_backward } from "./gru";

/** Gate blocks G of a kind (1, 4 or 3). */
export function cell_gates(kind: i32): i32 {
  assert(kind >= 0 && kind <= 4, "cell kind must be 0..4");
  return kind == 0 ? 1 : kind <= 2 ? 4 : 3;
}

export function cell_packed_size(kind: i32, I: i32, H: i32): i32 {
  assert(kind >= 0 && kind <= 4, "cell kind must be 0..4");
  if (kind == 0) return rnn_tanh_packed_size(I, H);
  if (kind <= 2) return lstm_packed_size(I, H);
  return gru_packed_size(I, H, kind == 3);
}

export function cell_pack(kind: i32, packed: usize, W: usize, U: usize, I: i32, H: i32): void {
  const G = cell_gates(kind);
  checkRange(packed, cell_packed_size(kind, I, H));
  checkRange(W, I * G * H);
  checkRange(U, H * G * H);
  if (kind == 0) rnn_tanh_pack(packed, W, U, I, H);
  else if (kind <= 2) lstm_pack(packed, W, U, I, H);
  else gru_pack(packed, W, U, I, H, kind == 3);
}

export function cell_saved_size(kind: i32, T: i32, B: i32, H: i32): i32 {
  assert(kind >= 0 && kind <= 4, "cell kind must be 0..4");
  if (kind == 0) return rnn_tanh_saved_size(T, B, H);
  if (kind <= 2) return lstm_saved_size(T, B, H);
  return gru_saved_size(T, B, H, kind == 3);
}

export function cell_work_size(kind: i32, T: i32, B: i32, H: i32): i32 {
  assert(kind >= 0 && kind <= 4, "cell kind must be 0..4");
  if (kind == 0) return rnn_tanh_work_size(T, B, H);
  if (kind <= 2) return lstm_work_size(T, B, H);
  return gru_work_size(T, B, H, kind == 3);
}

function forward(kind: i32, hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, peep: usize, T: i32, B: i32, I: i32, H: i32, simd: bool): void {
  const G = cell_gates(kind);
  assert(T >= 0 && B >= 0 && I >= 0 && H >= 0, "negative dimension");
  checkRange(hs, (T + 1) * B * H);
  checkRange(saved, cell_saved_size(kind, T, B, H));
  checkRange(x, T * B * I);
  checkRange(packed, cell_packed_size(kind, I, H));
  checkRange(bih, G * H);
  checkRange(bhh, G * H);
  if (kind == 2) checkRange(peep, 3 * H);
  if (kind == 0) rnn_tanh_forward(hs, saved, x, packed, bih, bhh, T, B, I, H, simd);
  else if (kind <= 2) lstm_forward(hs, saved, x, packed, bih, bhh, peep, T, B, I, H, kind == 2, simd);
  else gru_forward(hs, saved, x, packed, bih, bhh, T, B, I, H, kind == 3, simd);
}

function backward(kind: i32, dx: usize, dh0: usize, dc0: usize, dW: usize, dU: usize, dbih: usize, dbhh: usize, dpeep: usize,
  dhs: usize, hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, peep: usize, work: usize,
  T: i32, B: i32, I: i32, H: i32, simd: bool): void {
  const G = cell_gates(kind);
  assert(T >= 0 && B >= 0 && I >= 0 && H >= 0, "negative dimension");
  if (dx) checkRange(dx, T * B * I);
  if (dh0) checkRange(dh0, B * H);
  if (dc0) checkRange(dc0, B * H);
  checkRange(dW, I * G * H);
  checkRange(dU, H * G * H);
  checkRange(dbih, G * H);
  checkRange(dbhh, G * H);
  if (dpeep) checkRange(dpeep, 3 * H);
  checkRange(dhs, T * B * H);
  checkRange(hs, (T + 1) * B * H);
  checkRange(saved, cell_saved_size(kind, T, B, H));
  checkRange(x, T * B * I);
  checkRange(packed, cell_packed_size(kind, I, H));
  checkRange(work, cell_work_size(kind, T, B, H));
  if (kind == 2) checkRange(peep, 3 * H);
  if (kind == 0) rnn_tanh_backward(dx, dh0, dW, dU, dbih, dbhh, dhs, hs, saved, x, packed, work, T, B, I, H, simd);
  else if (kind <= 2) lstm_backward(dx, dh0, dc0, dW, dU, dbih, dbhh, dpeep, dhs, hs, saved, x, packed, peep, work, T, B, I, H, kind == 2, simd);
  else gru_backward(dx, dh0, dW, dU, dbih, dbhh, dhs, hs, saved, x, packed, work, T, B, I, H, kind == 3, simd);
}

export function cell_forward(kind: i32, hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, peep: usize, T: i32, B: i32, I: i32, H: i32): void {
  forward(kind, hs, saved, x, packed, bih, bhh, peep, T, B, I, H, true);
}

export function cell_forward_scalar(kind: i32, hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, peep: usize, T: i32, B: i32, I: i32, H: i32): void {
  forward(kind, hs, saved, x, packed, bih, bhh, peep, T, B, I, H, false);
}

export function cell_backward(kind: i32, dx: usize, dh0: usize, dc0: usize, dW: usize, dU: usize, dbih: usize, dbhh: usize, dpeep: usize,
  dhs: usize, hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, peep: usize, work: usize,
  T: i32, B: i32, I: i32, H: i32): void {
  backward(kind, dx, dh0, dc0, dW, dU, dbih, dbhh, dpeep, dhs, hs, saved, x, packed, bih, bhh, peep, work, T, B, I, H, true);
}

export function cell_backward_scalar(kind: i32, dx: usize, dh0: usize, dc0: usize, dW: usize, dU: usize, dbih: usize, dbhh: usize, dpeep: usize,
  dhs: usize, hs: usize, saved: usize, x: usize, packed: usize, bih: usize, bhh: usize, peep: usize, work: usize,
  T: i32, B: i32, I: i32, H: i32): void {
  backward(kind, dx, dh0, dc0, dW, dU, dbih, dbhh, dpeep, dhs, hs, saved, x, packed, bih, bhh, peep, work, T, B, I, H, false);
}
