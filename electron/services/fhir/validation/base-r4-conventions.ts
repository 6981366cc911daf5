/**
 * How the validator reads the base R4 definitions, shared by the loader, the element trees and the generator of
 * the trimmed base-r4 copy (which must keep exactly what the validator reads).
 */

/** The regex a primitive's value must match, on the type of `<primitive>.value`. */
export const REGEX_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/regex';
/** The real FHIR type (`id`, `uri`) of an element R4 types as `http://hl7.org/fhirpath/System.String`. */
export const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
/** Marks a constraint as best practice (reported as information). */
export const BEST_PRACTICE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';
/**
 * Base constraints checked natively rather than with FHIRPath: ele-1 (no empty element) holds on every element
 * and evaluating it there is too slow. The generated copy leaves them out.
 */
export const NATIVE_CONSTRAINTS: ReadonlySet<string> = new Set(['ele-1']);
