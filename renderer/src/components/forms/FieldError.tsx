import { useId, type ReactNode } from 'react';

/** A field's French validation message, shown beside it (the browser's own bubbles follow the system's language). */
export function FieldError({ id, message }: { readonly id: string; readonly message: string | null | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {message}
    </span>
  );
}

/** The attributes tying a control to its message. */
export interface FieldAria {
  readonly 'aria-invalid': true | undefined;
  readonly 'aria-describedby': string | undefined;
}

/** A labelled control with its message below; the control receives the attributes that tie it to the message. */
export function Field(props: {
  readonly label: ReactNode;
  readonly error: string | null | undefined;
  readonly children: (aria: FieldAria) => ReactNode;
}) {
  const id = useId();
  const aria: FieldAria = {
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': props.error ? id : undefined,
  };
  return (
    <div className="field">
      <label>
        {props.label}
        {props.children(aria)}
      </label>
      <FieldError id={id} message={props.error} />
    </div>
  );
}
