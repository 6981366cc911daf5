import { useState } from 'react';

/**
 * An identifier shown whole when it fits, always whole in its tooltip, with a button copying it (the referent pastes
 * it in ViaTrajectoire's search or a mail to the MDPH).
 */
export function CopyableId({ label, value }: { readonly label: string; readonly value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
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
        className="copy-button"
        aria-label={`Copier le ${label.toLowerCase()} ${value}`}
        title={copied ? 'Copié' : `Copier le ${label.toLowerCase()}`}
        onClick={(e) => {
          e.stopPropagation();
          void copy();
        }}
      >
        {copied ? (
          '✓'
        ) : (
          <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
            <rect x="0.5" y="2.5" width="8" height="9" fill="none" stroke="currentColor" />
            <path d="M3 2.5V0.5h8v9H8.5" fill="none" stroke="currentColor" />
          </svg>
        )}
      </button>
    </span>
  );
}
