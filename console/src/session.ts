/** The key lives in sessionStorage only: gone when the tab closes, never in a URL or a cookie. */
const KEY = 'gpuhive.apiKey';

export const savedKey = (): string | null => sessionStorage.getItem(KEY);
export const saveKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const clearKey = (): void => sessionStorage.removeItem(KEY);
