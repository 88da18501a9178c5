// The admin console's pages (routes under /admin/…, `admin: true`), in menu order.
import overview from './overview.js';
import users from './users.js';
import user from './user.js';
import nodes from './nodes.js';
import node from './node.js';
import plans from './plans.js';
import plan from './plan.js';
import coupons from './coupons.js';
import codes from './codes.js';
import orders from './orders.js';
import purchases from './purchases.js';
import tickets from './tickets.js';
import ticket from './ticket.js';
import announcements from './announcements.js';
import settings from './settings.js';
import audit from './audit.js';
import alerts from './alerts.js';
import detect from './detect.js';
import reports from './reports.js';
import gateways from './gateways.js';
import gateway from './gateway.js';
import mail from './mail.js';
import invites from './invites.js';
import invitees from './invitees.js';

export default [
  overview, users, user, nodes, node, plans, plan, coupons, codes, orders, purchases,
  tickets, ticket, announcements, detect, settings, audit, alerts, reports,
  gateways, gateway, mail, invites, invitees,
];
