// The user center's pages, in menu order. Pages with `nav` appear in the side menu.
import login from './login.js';
import signup from './signup.js';
import dashboard from './dashboard.js';
import shop from './shop.js';
import topup from './topup.js';
import orders from './orders.js';
import subscription from './subscription.js';
import nodes from './nodes.js';
import invite from './invite.js';
import tickets from './tickets.js';
import ticket from './ticket.js';
import announcements from './announcements.js';
import account from './account.js';
import forgot from './forgot.js';
import reset from './reset.js';

export default [login, signup, dashboard, shop, topup, orders, subscription, nodes, invite, tickets, ticket, announcements, account, forgot, reset];
