import { useState } from 'preact/hooks';
import { signIn, type SignedIn } from '../api.ts';
import { ErrorBox } from '../components.tsx';

/** Sign in with an API key; the key's role decides the menus. */
export const SignInPage = ({ onSignedIn }: { onSignedIn: (key: string, who: SignedIn) => void }) => {
  const [key, setKey] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(key.trim(), await signIn(key));
    } catch (signInError) {
      setError(signInError as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>gpuhive console</h1>
      <p>Sign in with an API key: a renter's, a provider's, finance's or the admin key. It stays in this tab only and is forgotten when you close it.</p>
      <form class="stack" onSubmit={submit}>
        <label>
          API key
          <input type="password" name="apiKey" autoComplete="off" required value={key} onInput={(event) => setKey((event.currentTarget as HTMLInputElement).value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
};
