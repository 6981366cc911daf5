import { useId, useState, type ReactNode } from 'react';
import { dateInputError, frenchToIso, isoToFrench } from './french-date';
import { FieldError } from './FieldError';

/**
 * A date typed jj/mm/aaaa, checked with French messages beside the field, whatever the browser's locale (the
 * native date control shows mm/dd/yyyy and English messages on an English system). Gives the parent an ISO date,
 * or '' while the text is empty or not an acceptable date.
 */
export function DateField(props: {
  readonly label: ReactNode;
  readonly value: string;
  readonly onChange: (iso: string) => void;
  readonly required?: boolean;
  readonly min?: string;
  readonly max?: string;
  /** Show the message of an empty required field too (after a submit attempt). */
  readonly showErrors?: boolean;
  readonly testId?: string;
}) {
  const [text, setText] = useState(() => isoToFrench(props.value));
  const [touched, setTouched] = useState(false);
  const errorId = useId();
  // A parent that changes the date itself (reset after submit) is followed.
  const [lastValue, setLastValue] = useState(props.value);
  if (props.value !== lastValue) {
    setLastValue(props.value);
    if (props.value !== (frenchToIso(text) ?? '')) setText(isoToFrench(props.value));
  }
  const rules = { required: props.required ?? false, min: props.min, max: props.max };
  const error = dateInputError(text, rules);
  const shown = error && (props.showErrors || (touched && text.trim() !== '')) ? error : null;
  return (
    <div className="field">
      <label>
        {props.label}
        <input
          type="text"
          inputMode="numeric"
          autoComplete="off"
          placeholder="jj/mm/aaaa"
          size={12}
          value={text}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? errorId : undefined}
          onChange={(e) => {
            setText(e.target.value);
            const next = dateInputError(e.target.value, rules) ? '' : (frenchToIso(e.target.value) ?? '');
            setLastValue(next);
            props.onChange(next);
          }}
          onBlur={() => setTouched(true)}
          data-testid={props.testId}
        />
      </label>
      <FieldError id={errorId} message={shown} />
    </div>
  );
}
