import { useState } from 'react';

/**
 * An identifier shown whole when it fits, always whole in its tooltip, with a button copying it (the referent pastes
 * it in ViaTrajectoire's search or a mail to the MDPH).
 */
export function CopyableId({ label, value }: { readonly label: string; readonly value: string }) {
  // The value copied rather than a flag: the work list recycles its rows, and a row now showing another
  // identifier must not say it was copied.
  const [copiedValue, setCopiedValue] = useState<string | null>(null);
  const copied = copiedValue === value;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopiedValue(value);
      setTimeout(() => setCopiedValue((shown) => (shown === value ? null : shown)), 1500);
    } catch {
      // Clipboard refused (no permission): the tooltip still shows the whole identifier.
    }
  };
  return (
    <span className="copyable-id">
      <span className="clip" title={`${label} : ${value}`}>
        {value}
      </span>
      <button
        type="button"
        className={copied ? 'copy-button copied' : 'copy-button'}
        aria-label={`Copier le ${label.toLowerCase()} ${value}`}
        title={copied ? 'Copié' : `Copier le ${label.toLowerCase()}`}
        onClick={(e) => {
          e.stopPropagation();
          void copy();
        }}
      >
        {/* The copy icon is drawn by the style sheet (.copy-button::before): one element less per identifier, and no
            SVG to lay out and paint for each row entering the work list as it scrolls. */}
        {copied ? '✓' : null}
      </button>
    </span>
  );
}
