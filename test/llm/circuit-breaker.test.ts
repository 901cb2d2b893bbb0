import { CircuitBreaker } from '../../src/llm/circuit-breaker';

let clock = 0;
const breaker = () => new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => clock });

beforeEach(() => {
  clock = 0;
});

test('stays closed until the failures in a row reach the threshold', () => {
  const b = breaker();
  b.onFailure();
  b.onFailure();
  expect(b.state).toBe('closed');
  expect(b.tryAcquire()).toBe(true);
  b.onFailure();
  expect(b.state).toBe('open');
  expect(b.tryAcquire()).toBe(false);
});

test('a success in between resets the count', () => {
  const b = breaker();
  b.onFailure();
  b.onFailure();
  b.onSuccess();
  b.onFailure();
  b.onFailure();
  expect(b.state).toBe('closed');
});

test('after the cool-down one trial passes; its success closes the circuit', () => {
  const b = breaker();
  for (let i = 0; i < 3; i++) b.onFailure();
  clock = 999;
  expect(b.tryAcquire()).toBe(false);
  clock = 1000;
  expect(b.state).toBe('half-open');
  expect(b.tryAcquire()).toBe(true);
  expect(b.tryAcquire()).toBe(false);
  b.onSuccess();
  expect(b.state).toBe('closed');
  expect(b.tryAcquire()).toBe(true);
});

test("a failed trial re-opens the circuit for a full cool-down", () => {
  const b = breaker();
  for (let i = 0; i < 3; i++) b.onFailure();
  clock = 1500;
  expect(b.tryAcquire()).toBe(true);
  b.onFailure();
  expect(b.state).toBe('open');
  clock = 2499;
  expect(b.tryAcquire()).toBe(false);
  clock = 2500;
  expect(b.tryAcquire()).toBe(true);
});
