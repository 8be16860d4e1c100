/**
 * Runs work for the same key one after another within this process, and work for other
 * keys freely. Not a lock across processes (conditional writes stay the guarantee): it only
 * spares a batch's records that touch the same items from racing each other into retries.
 */
export const oneAtATime = () => {
  const chains = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    chains.set(key, next);
    const forget = () => {
      if (chains.get(key) === next) chains.delete(key);
    };
    next.then(forget, forget);
    return next;
  };
};
