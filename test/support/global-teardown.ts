export { teardown as default } from './temp-fence';
