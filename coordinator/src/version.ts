/** The tool's version, recorded in every manifest; kept in step with package.json. */
export const TOOL_VERSION = '0.1.0';
