/** A field's French validation message, shown beside it (the browser's own bubbles follow the system's language). */
export function FieldError({ id, message }: { readonly id: string; readonly message: string | null | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {message}
    </span>
  );
}
