declare const __HERON_WEB_VERSION__: string;
declare module "*.css";
