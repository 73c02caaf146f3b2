export { setup as default } from './temp-fence';
