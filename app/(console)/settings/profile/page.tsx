import type { Metadata } from 'next';
import { ProfilePanel } from '@/components/settings/profile-panel';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Profile' };

export default function ProfilePage() {
  return (
    <>
      <PageHeader title="Profile" />
      <ProfilePanel />
    </>
  );
}
