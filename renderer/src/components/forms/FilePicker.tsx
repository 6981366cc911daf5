import { useEffect, useId, useRef } from 'react';

/**
 * Choosing a file with French words whatever the browser's locale: the native control's button and "no file"
 * text follow the system's language ("Choose File / No file chosen"), so it stays hidden behind our own button.
 * Controlled: the parent holds the chosen File (undefined clears the choice).
 */
export function FilePicker(props: {
  readonly label: string;
  readonly accept: string;
  readonly file: File | undefined;
  readonly onChange: (file: File | undefined) => void;
  readonly disabled?: boolean;
  readonly testId?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const labelId = useId();
  const buttonId = useId();
  const nameId = useId();
  useEffect(() => {
    if (!props.file && input.current) input.current.value = '';
  }, [props.file]);
  return (
    <div className="field file-picker">
      <span id={labelId}>{props.label}</span>
      <span className="file-picker-row">
        <input
          ref={input}
          type="file"
          hidden
          accept={props.accept}
          onChange={(e) => props.onChange(e.target.files?.[0])}
          data-testid={props.testId}
        />
        <button
          id={buttonId}
          type="button"
          className="secondary"
          disabled={props.disabled}
          aria-labelledby={`${buttonId} ${labelId}`}
          aria-describedby={nameId}
          onClick={() => input.current?.click()}
        >
          Choisir un fichier…
        </button>
        <span id={nameId} className="file-picker-name" data-testid={props.testId ? `${props.testId}-name` : undefined}>
          {props.file ? props.file.name : 'Aucun fichier choisi'}
        </span>
      </span>
    </div>
  );
}
