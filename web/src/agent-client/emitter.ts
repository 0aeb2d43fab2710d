// A minimal typed event emitter (no Node or DOM dependency), so that the
// client runs in browsers, workers and tests alike.

type Listener<A> = (arg: A) => void;

export class Emitter<M extends object> {
  private listeners = new Map<keyof M, Set<Listener<never>>>();

  /** on adds a listener and returns the function that removes it. */
  on<K extends keyof M>(type: K, fn: Listener<M[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(fn as Listener<never>);
    return () => this.off(type, fn);
  }

  /** once adds a listener called at most once. */
  once<K extends keyof M>(type: K, fn: Listener<M[K]>): () => void {
    const off = this.on(type, (arg) => {
      off();
      fn(arg);
    });
    return off;
  }

  off<K extends keyof M>(type: K, fn: Listener<M[K]>): void {
    this.listeners.get(type)?.delete(fn as Listener<never>);
  }

  protected emit<K extends keyof M>(type: K, arg: M[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<M[K]>)(arg);
      } catch (err) {
        // A listener's bug must not break the protocol state machine.
        console.error('agent-client: listener for', String(type), 'threw', err);
      }
    }
  }
}
