import type { Metadata } from 'next';
import { UsersPanel } from '@/components/settings/users-panel';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Users' };

export default function UsersPage() {
  return (
    <>
      <PageHeader title="Users" description="Viewers see everything; engineers register and build; approvers (release managers) approve and promote; admins manage access." />
      <UsersPanel />
    </>
  );
}
