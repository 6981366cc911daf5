import type { ComponentType } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import type { SectionPath } from './navigation';
import type { ScreenProps } from './screen-props';
import { CertificatesScreen } from '../screens/CertificatesScreen';
import { CleanupScreen } from '../screens/CleanupScreen';
import { OnboardingScreen } from '../screens/OnboardingScreen';
import { DashboardScreen } from '../screens/DashboardScreen';
import { GeographicEntitiesScreen } from '../screens/GeographicEntitiesScreen';
import { JournalScreen } from '../screens/JournalScreen';
import { SynchronisationScreen } from '../screens/SynchronisationScreen';
import { NotificationsScreen, prefetchWorkList, WorkListWarmup } from '../screens/NotificationsScreen';
import { OrganisationScreen } from '../screens/OrganisationScreen';
import { SettingsScreen } from '../screens/SettingsScreen';
import { SandboxScreen } from '../screens/SandboxScreen';
import { UnitsScreen } from '../screens/UnitsScreen';
import { WaitingListsScreen } from '../screens/WaitingListsScreen';

/** The screen of each section of navigation.ts (the list of sections is there). */
export const SCREENS: Record<SectionPath, ComponentType<ScreenProps>> = {
  'tableau-de-bord': DashboardScreen,
  notifications: NotificationsScreen,
  'listes-attente': WaitingListsScreen,
  'unites-ror': UnitsScreen,
  'entites-geographiques': GeographicEntitiesScreen,
  certificats: CertificatesScreen,
  synchronisation: SynchronisationScreen,
  journal: JournalScreen,
  parametres: SettingsScreen,
  organisation: OrganisationScreen,
  raccordement: OnboardingScreen,
  nettoyage: CleanupScreen,
  'bac-a-sable': SandboxScreen,
};

/** What a screen asks first, asked as the route changes to it (before it renders): its slow first request. */
export const PREFETCH: Partial<
  Record<SectionPath, (queryClient: QueryClient, detail: string | undefined, query: string) => void>
> = {
  notifications: prefetchWorkList,
};

/**
 * What a screen shows first, kept current while another screen (or the section's detail view) shows, rendered by App
 * beside it: opening the screen renders at once, with no request to wait for.
 */
export const KEPT_WARM: Partial<Record<SectionPath, ComponentType>> = {
  notifications: WorkListWarmup,
};
