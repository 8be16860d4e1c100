import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Copyable, ErrorBox, Section, Table } from '../components.tsx';
import { time } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { CreateWebhookRequest } from '#contract/webhooks.ts';
import type { CreatedWebhook, Delivery, Role, Webhook } from '../types.ts';

/** The events each role may subscribe to (the API refuses the others). */
const EVENTS: Partial<Record<Role, string[]>> = {
  renter: ['job.ended', 'balance.low'],
  provider: ['host.unreachable', 'host.went_offline', 'host.came_online'],
};

const Deliveries = ({ api, webhookId }: { api: Api; webhookId: string }) => {
  const deliveries = useLoad(() => api.get<{ items: Delivery[] }>(`/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries`), [webhookId], 5000);
  return (
    <Section title="Recent deliveries" state={deliveries}>
      {(page) => (
        <Table caption="Deliveries" rows={page.items} empty="Nothing delivered yet."
          columns={[
            { label: 'Event', value: (delivery) => delivery.type },
            { label: 'Status', value: (delivery) => delivery.status },
            { label: 'Attempts', value: (delivery) => delivery.attempts, numeric: true },
            { label: 'Last answer', value: (delivery) => delivery.lastStatusCode ?? delivery.lastError ?? '—' },
            { label: 'At', value: (delivery) => time(delivery.createdAt) },
          ]} />
      )}
    </Section>
  );
};

export const WebhooksPage = ({ api, role }: { api: Api; role: Role }) => {
  const choices = EVENTS[role] ?? [];
  const [shown, setShown] = useState<string>();
  const hooks = useLoad(() => api.all<Webhook>('/v1/webhooks'), []);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(choices.slice(0, 1));
  const [created, setCreated] = useState<CreatedWebhook>();
  const [error, setError] = useState<Error>();
  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      setCreated(await api.post<CreatedWebhook>('/v1/webhooks', { url, events } satisfies CreateWebhookRequest));
      setUrl('');
      hooks.reload();
    } catch (createError) {
      setError(createError as Error);
    }
  };
  const remove = async (webhookId: string) => {
    try {
      await api.del(`/v1/webhooks/${encodeURIComponent(webhookId)}`);
      hooks.reload();
    } catch (removeError) {
      setError(removeError as Error);
    }
  };
  return (
    <>
      <h1>Webhooks</h1>
      <form class="stack" onSubmit={create}>
        <label>
          HTTPS URL
          <input type="url" value={url} required onInput={(event) => setUrl((event.currentTarget as HTMLInputElement).value)} />
        </label>
        <fieldset>
          <legend>Events</legend>
          {choices.map((type) => (
            <label class="inline">
              <input type="checkbox" checked={events.includes(type)}
                onChange={(event) => setEvents((event.currentTarget as HTMLInputElement).checked ? [...events, type] : events.filter((e) => e !== type))} />
              {type}
            </label>
          ))}
        </fieldset>
        <ErrorBox error={error} />
        <button type="submit">Add webhook</button>
      </form>
      {created && <Copyable label="Signing secret (shown once)" value={created.secret} />}
      <Section title="Your webhooks" state={hooks}>
        {(items) => (
          <Table caption="Webhooks" rows={items} empty="No webhooks."
            columns={[
              { label: 'URL', value: (hook) => hook.url },
              { label: 'Events', value: (hook) => hook.events.join(', ') },
              { label: 'Created', value: (hook) => time(hook.createdAt) },
              { label: 'Deliveries', value: (hook) => <button type="button" aria-expanded={shown === hook.webhookId} onClick={() => setShown(shown === hook.webhookId ? undefined : hook.webhookId)}>Show</button> },
              { label: 'Remove', value: (hook) => <button type="button" class="danger" onClick={() => remove(hook.webhookId)}>Delete</button> },
            ]} />
        )}
      </Section>
      {shown && <Deliveries api={api} webhookId={shown} />}
    </>
  );
};
