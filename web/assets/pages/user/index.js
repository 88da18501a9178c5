// The user center's pages, in menu order. Pages with `nav` appear in the side menu.
import login from './login.js';
import signup from './signup.js';
import dashboard from './dashboard.js';

export default [login, signup, dashboard];
