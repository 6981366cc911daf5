import type { ComponentType } from 'react';
import { CertificatesScreen } from '../screens/CertificatesScreen';
import { CleanupScreen } from '../screens/CleanupScreen';
import { OnboardingScreen } from '../screens/OnboardingScreen';
import { DashboardScreen } from '../screens/DashboardScreen';
import { GeographicEntitiesScreen } from '../screens/GeographicEntitiesScreen';
import { JournalScreen } from '../screens/JournalScreen';
import { SynchronisationScreen } from '../screens/SynchronisationScreen';
import { NotificationsScreen } from '../screens/NotificationsScreen';
import { SettingsScreen } from '../screens/SettingsScreen';
import { SandboxScreen } from '../screens/SandboxScreen';
import { UnitsScreen } from '../screens/UnitsScreen';
import { WaitingListsScreen } from '../screens/WaitingListsScreen';

export interface ScreenProps {
  readonly detail: string | undefined;
  /** The route's query ("a-traiter=1&validite=bientot"), for screens with filters. */
  readonly query?: string;
}

export const SCREENS: Record<string, ComponentType<ScreenProps>> = {
  'tableau-de-bord': DashboardScreen,
  notifications: NotificationsScreen,
  'listes-attente': WaitingListsScreen,
  'unites-ror': UnitsScreen,
  'entites-geographiques': GeographicEntitiesScreen,
  certificats: CertificatesScreen,
  synchronisation: SynchronisationScreen,
  journal: JournalScreen,
  parametres: SettingsScreen,
  raccordement: OnboardingScreen,
  nettoyage: CleanupScreen,
  'bac-a-sable': SandboxScreen,
};
