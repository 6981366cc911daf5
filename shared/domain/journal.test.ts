import { describe, expect, it } from 'vitest';
import { journalErrorDetail, splitJournalDetail } from './journal';

describe('journal details', () => {
  it('keeps the error code apart from the French message', () => {
    const detail = journalErrorDetail('Ce certificat ne permet pas l’authentification client.', 'CERT_WRONG_KEY_USAGE');
    expect(splitJournalDetail(detail)).toEqual({
      text: 'Ce certificat ne permet pas l’authentification client.',
      code: 'CERT_WRONG_KEY_USAGE',
    });
  });

  it('reads the older "CODE : message" entries and leaves plain details alone', () => {
    expect(splitJournalDetail('CERT_NOT_FOUND : Aucun certificat.')).toEqual({
      text: 'Aucun certificat.',
      code: 'CERT_NOT_FOUND',
    });
    expect(splitJournalDetail('Bac à sable local · secret client remplacé')).toEqual({
      text: 'Bac à sable local · secret client remplacé',
      code: null,
    });
  });
});
