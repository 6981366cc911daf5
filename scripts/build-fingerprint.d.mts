export declare const BUILD_INPUT_DIRS: string[];
export declare const BUILD_INPUT_FILES: string[];
export declare const BUILD_OUTPUTS: string[];
export declare const FINGERPRINT_FILE: string;
export declare function buildInputsFingerprint(root: string): string;
export declare function buildIsCurrent(root: string): boolean;
export declare function buildIfChanged(root: string, build: () => boolean): 'à jour' | 'reconstruit' | 'échec';
export declare function buildBundleIfChanged(root: string): number;
