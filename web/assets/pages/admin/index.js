// The admin console's pages (routes under /admin/…, `admin: true`), in menu order.
export default [];
