import { parse as parseYaml } from 'yaml';
import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../api.ts';
import { ErrorBox } from '../components.tsx';
import { go } from '../router.ts';
import type { JobSpec } from '../types.ts';

const EXAMPLE = `image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
command: [python, -c, "print(42)"]
gpu: { count: 1, models: [RTX 4090] }
maxPricePerGpuHour: "0.600000"
maxDurationSeconds: 3600
`;

/** The form's fields, as a renter thinks of a job; turned into the API's job spec on submit. */
interface FormFields {
  name: string;
  image: string;
  command: string;
  gpuCount: string;
  models: string;
  maxPrice: string;
  maxMinutes: string;
}

const specOf = (fields: FormFields): JobSpec => ({
  ...(fields.name.trim() ? { name: fields.name.trim() } : {}),
  ...(fields.image.trim() ? { image: fields.image.trim() } : {}),
  // One argument per line: no shell quoting rules to get wrong.
  ...(fields.command.trim() ? { command: fields.command.split('\n').map((line) => line.trim()).filter(Boolean) } : {}),
  gpu: { count: Number(fields.gpuCount), ...(fields.models.trim() ? { models: fields.models.split(',').map((model) => model.trim()).filter(Boolean) } : {}) },
  maxPricePerGpuHour: fields.maxPrice.trim(),
  maxDurationSeconds: Math.round(Number(fields.maxMinutes) * 60),
});

/** Submit a job from a form, or from a pasted YAML/JSON spec (the CLI's job file format). */
export const SubmitJobPage = ({ api }: { api: Api }) => {
  const [mode, setMode] = useState<'form' | 'spec'>('form');
  const [fields, setFields] = useState<FormFields>({ name: '', image: '', command: '', gpuCount: '1', models: '', maxPrice: '0.600000', maxMinutes: '60' });
  const [spec, setSpec] = useState(EXAMPLE);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  // One key per filled-in form: a double click or a retry after a network error submits once.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    let body: unknown;
    try {
      body = mode === 'form' ? specOf(fields) : parseYaml(spec);
    } catch (parseError) {
      setError(new ApiError(400, 'validation_failed', `The spec is not valid YAML or JSON: ${(parseError as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const job = await api.post<{ jobId: string }>('/v1/jobs', body, { 'idempotency-key': idempotencyKey });
      setIdempotencyKey(crypto.randomUUID());
      go('jobs', job.jobId);
    } catch (submitError) {
      setError(submitError as Error);
    } finally {
      setBusy(false);
    }
  };
  const input = (name: keyof FormFields, label: string, hint?: string) => (
    <label>
      {label}
      <input name={name} value={fields[name]} onInput={(event) => setFields({ ...fields, [name]: (event.currentTarget as HTMLInputElement).value })} />
      {hint && <small>{hint}</small>}
    </label>
  );
  return (
    <>
      <h1>Submit a job</h1>
      <div role="tablist" aria-label="How to describe the job" class="tabs">
        <button type="button" role="tab" aria-selected={mode === 'form'} onClick={() => setMode('form')}>Form</button>
        <button type="button" role="tab" aria-selected={mode === 'spec'} onClick={() => setMode('spec')}>Paste YAML or JSON</button>
      </div>
      <form class="stack" onSubmit={submit}>
        {mode === 'form' ? (
          <>
            {input('name', 'Name (optional)')}
            {input('image', 'Image', 'Leave empty for a process job (runs only on hosts that allow process jobs).')}
            <label>
              Command, one argument per line
              <textarea name="command" rows={3} value={fields.command} onInput={(event) => setFields({ ...fields, command: (event.currentTarget as HTMLTextAreaElement).value })} />
            </label>
            {input('gpuCount', 'GPUs per host')}
            {input('models', 'GPU models (comma-separated, optional)', 'For example: RTX 4090, H100')}
            {input('maxPrice', 'Max $ per GPU-hour')}
            {input('maxMinutes', 'Max duration (minutes)')}
          </>
        ) : (
          <label>
            Job spec
            <textarea name="spec" rows={12} class="mono" value={spec} onInput={(event) => setSpec((event.currentTarget as HTMLTextAreaElement).value)} />
          </label>
        )}
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>{busy ? 'Submitting…' : 'Submit job'}</button>
      </form>
    </>
  );
};
