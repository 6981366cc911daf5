import type { ComponentType } from 'react';
import { CertificatesScreen } from '../screens/CertificatesScreen';
import { DashboardScreen } from '../screens/DashboardScreen';
import { JournalScreen } from '../screens/JournalScreen';
import { SettingsScreen } from '../screens/SettingsScreen';
import { makeUpcomingScreen } from '../screens/UpcomingScreen';

export interface ScreenProps {
  readonly detail: string | undefined;
}

export const SCREENS: Record<string, ComponentType<ScreenProps>> = {
  'tableau-de-bord': DashboardScreen,
  notifications: makeUpcomingScreen(
    'Notifications',
    'Les notifications de décisions d’orientation reçues de ViaTrajectoire.',
  ),
  'listes-attente': makeUpcomingScreen("Listes d'attente", "Les listes d'attente par unité ROR."),
  'unites-ror': makeUpcomingScreen(
    'Unités ROR',
    'Les unités de vos entités géographiques telles que connues de ViaTrajectoire.',
  ),
  'entites-geographiques': makeUpcomingScreen(
    'Entités géographiques',
    'Les entités géographiques (FINESS EG) de votre entité juridique et leur activation.',
  ),
  certificats: CertificatesScreen,
  synchronisation: makeUpcomingScreen('Synchronisation', 'Les échanges avec ViaTrajectoire.'),
  journal: JournalScreen,
  parametres: SettingsScreen,
};
