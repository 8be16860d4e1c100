import { useMemo, useState } from 'preact/hooks';
import { createApi, type SignedIn } from './api.ts';
import { href, useRoute } from './router.ts';
import { clearKey, saveKey, savedKey } from './session.ts';
import type { Role } from './types.ts';
import { AdminPage } from './pages/admin.tsx';
import { BillingPage } from './pages/billing.tsx';
import { ExportsPage } from './pages/exports.tsx';
import { HostDetailPage, HostsPage } from './pages/hosts.tsx';
import { JobDetailPage } from './pages/job-detail.tsx';
import { JobsPage } from './pages/jobs.tsx';
import { OffersPage } from './pages/offers.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { SubmitJobPage } from './pages/submit-job.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { roleOfKey } from './api.ts';

/** Each role's menu: [route, label]; the first is its home page. */
const MENUS: Record<Role, [string, string][]> = {
  renter: [['jobs', 'Jobs'], ['offers', 'Offers'], ['submit', 'Submit a job'], ['billing', 'Balance'], ['webhooks', 'Webhooks']],
  provider: [['hosts', 'Hosts'], ['billing', 'Earnings'], ['offers', 'Market'], ['webhooks', 'Webhooks']],
  finance: [['exports', 'Exports']],
  admin: [['admin', 'Accounts']],
};

export const App = () => {
  const [session, setSession] = useState<{ key: string; who: SignedIn } | undefined>(() => {
    // A reload keeps the tab's session; the account name is fetched again by the pages that need it.
    const key = savedKey();
    const role = key ? roleOfKey(key) : undefined;
    return key && role ? { key, who: { role, name: '', accountId: '' } } : undefined;
  });
  const route = useRoute();
  const api = useMemo(() => (session ? createApi(session.key) : undefined), [session?.key]);

  if (!session || !api) {
    return <SignInPage onSignedIn={(key, who) => { saveKey(key); setSession({ key, who }); location.hash = href(MENUS[who.role][0]![0]); }} />;
  }
  const menu = MENUS[session.who.role];
  const page = menu.some(([name]) => name === route[0]) ? route[0]! : menu[0]![0];
  const signOut = () => {
    clearKey();
    setSession(undefined);
    location.hash = '';
  };
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header>
        <strong class="brand">gpuhive</strong>
        <nav aria-label="Main">
          <ul>
            {menu.map(([name, label]) => (
              <li><a href={href(name)} aria-current={page === name ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <span class="who">{session.who.name ? `${session.who.name} · ` : ''}{session.who.role}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === 'jobs' && (route[1] ? <JobDetailPage api={api} jobId={route[1]} /> : <JobsPage api={api} />)}
        {page === 'offers' && <OffersPage api={api} />}
        {page === 'submit' && <SubmitJobPage api={api} />}
        {page === 'billing' && <BillingPage api={api} role={session.who.role} />}
        {page === 'webhooks' && <WebhooksPage api={api} role={session.who.role} />}
        {page === 'hosts' && (route[1] ? <HostDetailPage api={api} hostId={route[1]} /> : <HostsPage api={api} />)}
        {page === 'exports' && <ExportsPage api={api} />}
        {page === 'admin' && <AdminPage api={api} />}
      </main>
    </>
  );
};
