/** The family name as the lists show it: the used name first, the birth name in brackets when they differ. */
export function displayFamilyName(familyName: string, usedFamilyName: string | null): string {
  return usedFamilyName && usedFamilyName !== familyName ? `${usedFamilyName} (${familyName})` : familyName;
}
