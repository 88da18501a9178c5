//! spanel's own definition of the SSPanel-UIM classic schema.
//!
//! Tables are described once, with MySQL column types exactly as SSPanel declares them, and rendered
//! as MySQL/MariaDB DDL (which must match a real SSPanel database column for column) or as SQLite DDL
//! with equivalent types. Money columns become TEXT on SQLite so that decimals stay exact.

/// One column: its MySQL type as SSPanel declares it, nullability and default (an SQL literal).
pub struct Column {
    pub name: &'static str,
    pub mysql_type: &'static str,
    pub nullable: bool,
    pub default: Option<&'static str>,
    pub auto_increment: bool,
    pub on_update_now: bool,
}

pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The primary key's columns.
    pub primary_key: &'static [&'static str],
    /// Secondary keys: (name, unique, columns separated by commas).
    pub keys: &'static [(&'static str, bool, &'static str)],
    /// Foreign keys: (constraint name, column, referenced table, on-update cascade).
    pub foreign_keys: &'static [(&'static str, &'static str, &'static str, bool)],
    /// MySQL table collation; None = the server default (SSPanel's `config` table).
    pub collation: Option<&'static str>,
}

const fn col(name: &'static str, mysql_type: &'static str) -> Column {
    Column {
        name,
        mysql_type,
        nullable: false,
        default: None,
        auto_increment: false,
        on_update_now: false,
    }
}
const fn def(name: &'static str, mysql_type: &'static str, default: &'static str) -> Column {
    Column {
        default: Some(default),
        ..col(name, mysql_type)
    }
}
const fn null(name: &'static str, mysql_type: &'static str, default: &'static str) -> Column {
    Column {
        nullable: true,
        default: Some(default),
        ..col(name, mysql_type)
    }
}
const fn id(mysql_type: &'static str) -> Column {
    Column {
        auto_increment: true,
        ..col("id", mysql_type)
    }
}

const BIGINT_U: &str = "bigint(20) unsigned";
const BIGINT: &str = "bigint(20)";
const INT: &str = "int(11)";

pub const TABLES: &[Table] = &[
    Table {
        name: "user",
        columns: &[
            id(BIGINT_U),
            col("user_name", "varchar(128)"),
            col("email", "varchar(32)"),
            col("pass", "varchar(256)"),
            col("passwd", "varchar(256)"),
            col("uuid", "varchar(146)"),
            def("t", BIGINT_U, "0"),
            def("u", BIGINT_U, "0"),
            def("d", BIGINT_U, "0"),
            def("transfer_enable", BIGINT_U, "0"),
            col("port", INT),
            def("enable", "tinyint(4)", "1"),
            null("last_detect_ban_time", "datetime", "'1989-06-04 00:05:00'"),
            def("all_detect_number", INT, "0"),
            def("last_check_in_time", BIGINT_U, "0"),
            col("reg_date", "datetime"),
            def("invite_num", "int(8)", "0"),
            def("money", "decimal(12,2)", "0.00"),
            def("ref_by", BIGINT_U, "0"),
            def("method", "varchar(64)", "'rc4-md5'"),
            def("reg_ip", "varchar(182)", "'127.0.0.1'"),
            def("node_speedlimit", "decimal(12,2)", "0.00"),
            def("node_connector", INT, "0"),
            def("is_admin", "tinyint(1)", "0"),
            null("im_type", INT, "1"),
            null("im_value", "varchar(512)", "NULL"),
            def("last_day_t", BIGINT, "0"),
            def("sendDailyMail", "tinyint(1)", "0"),
            def("class", INT, "0"),
            def("class_expire", "datetime", "'1989-06-04 00:05:00'"),
            def("expire_in", "datetime", "'2099-06-04 00:05:00'"),
            col("theme", "varchar(128)"),
            col("ga_token", "varchar(128)"),
            def("ga_enable", INT, "0"),
            null("remark", "varchar(512)", "NULL"),
            def("node_group", INT, "0"),
            null("protocol", "varchar(128)", "'origin'"),
            null("protocol_param", "varchar(128)", "NULL"),
            null("obfs", "varchar(128)", "'plain'"),
            null("obfs_param", "varchar(128)", "NULL"),
            def("is_hide", INT, "0"),
            def("is_multi_user", INT, "0"),
            null("telegram_id", BIGINT, "NULL"),
            def("expire_notified", "tinyint(1)", "0"),
            null("traffic_notified", "tinyint(1)", "0"),
            null("forbidden_ip", "varchar(512)", "''"),
            // SSPanel's own default really is the two-character string '' (a quoting slip upstream).
            null("forbidden_port", "varchar(512)", "''''''"),
            def("auto_reset_day", INT, "0"),
            def("auto_reset_bandwidth", "decimal(12,2)", "0.00"),
        ],
        primary_key: &["id"],
        keys: &[
            ("email", true, "email"),
            ("uuid", true, "uuid"),
            ("ga_token", true, "ga_token"),
            ("user_name", false, "user_name"),
        ],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "node",
        columns: &[
            id(INT),
            col("name", "varchar(128)"),
            col("type", "int(3)"),
            col("server", "varchar(512)"),
            col("custom_config", "text"),
            def("info", "varchar(128)", "''"),
            def("status", "varchar(128)", "''"),
            col("sort", "int(3)"),
            def("traffic_rate", "float", "1"),
            def("node_class", INT, "0"),
            def("node_speedlimit", "decimal(12,2)", "0.00"),
            def("node_connector", INT, "0"),
            def("node_bandwidth", BIGINT, "0"),
            def("node_bandwidth_limit", BIGINT, "0"),
            def("bandwidthlimit_resetday", INT, "0"),
            def("node_heartbeat", BIGINT, "0"),
            null("node_ip", "varchar(182)", "NULL"),
            def("node_group", INT, "0"),
            null("mu_only", "tinyint(1)", "0"),
            def("online", "tinyint(1)", "1"),
            def("gfw_block", "tinyint(1)", "0"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "alive_ip",
        columns: &[
            id(BIGINT),
            col("nodeid", INT),
            col("userid", INT),
            col("ip", "varchar(182)"),
            col("datetime", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "announcement",
        columns: &[
            id(INT),
            col("date", "datetime"),
            col("content", "longtext"),
            col("markdown", "longtext"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "blockip",
        columns: &[
            id(BIGINT),
            col("nodeid", INT),
            col("ip", "varchar(182)"),
            col("datetime", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "bought",
        columns: &[
            id(BIGINT),
            col("userid", BIGINT),
            col("shopid", BIGINT),
            col("datetime", BIGINT),
            col("renew", "bigint(11)"),
            col("coupon", "text"),
            col("price", "decimal(12,2)"),
            def("is_notified", "tinyint(1)", "0"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "code",
        columns: &[
            id(BIGINT),
            col("code", "text"),
            col("type", INT),
            col("number", "decimal(11,2)"),
            def("isused", INT, "0"),
            col("userid", BIGINT),
            col("usedatetime", "datetime"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "config",
        columns: &[
            id(INT),
            col("item", "text"),
            col("value", "text"),
            def("class", "varchar(16)", "'default'"),
            def("is_public", INT, "0"),
            col("type", "text"),
            col("default", "text"),
            col("mark", "text"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: None,
    },
    Table {
        name: "coupon",
        columns: &[
            id(BIGINT),
            col("code", "text"),
            col("onetime", INT),
            col("expire", BIGINT),
            col("shop", "text"),
            col("credit", INT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "detect_ban_log",
        columns: &[
            id("int(11) unsigned"),
            col("user_name", "varchar(128)"),
            col("user_id", BIGINT_U),
            col("email", "varchar(32)"),
            col("detect_number", INT),
            col("ban_time", INT),
            col("start_time", BIGINT),
            col("end_time", BIGINT),
            col("all_detect_number", INT),
        ],
        primary_key: &["id"],
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("detect_ban_log_ibfk_2", "user_id", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "detect_list",
        columns: &[
            id(BIGINT_U),
            col("name", "longtext"),
            col("text", "longtext"),
            col("regex", "longtext"),
            col("type", INT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "detect_log",
        columns: &[
            id(BIGINT_U),
            col("user_id", BIGINT_U),
            col("list_id", BIGINT_U),
            col("datetime", BIGINT_U),
            col("node_id", INT),
            def("status", "int(2)", "0"),
        ],
        primary_key: &["id"],
        keys: &[
            ("user_id", false, "user_id"),
            ("node_id", false, "node_id"),
            ("list_id", false, "list_id"),
        ],
        foreign_keys: &[
            ("detect_log_ibfk_4", "user_id", "user", true),
            ("detect_log_ibfk_5", "node_id", "node", true),
            ("detect_log_ibfk_6", "list_id", "detect_list", true),
        ],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "email_queue",
        columns: &[
            id(BIGINT),
            col("to_email", "varchar(32)"),
            col("subject", "longtext"),
            col("template", "longtext"),
            col("array", "longtext"),
            col("time", "int(64)"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "email_verify",
        columns: &[
            id(BIGINT),
            col("email", "text"),
            col("ip", "varchar(182)"),
            col("code", "text"),
            col("expire_in", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "gconfig",
        columns: &[
            id("int(11) unsigned"),
            col("key", "varchar(128)"),
            col("type", "varchar(32)"),
            col("value", "text"),
            col("oldvalue", "text"),
            col("name", "varchar(128)"),
            col("comment", "text"),
            col("operator_id", INT),
            col("operator_name", "varchar(128)"),
            col("operator_email", "varchar(32)"),
            col("last_update", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "link",
        columns: &[
            id(BIGINT),
            col("token", "varchar(128)"),
            col("userid", BIGINT_U),
        ],
        primary_key: &["id"],
        keys: &[("token", true, "token"), ("userid", true, "userid")],
        foreign_keys: &[("link_ibfk_2", "userid", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "login_ip",
        columns: &[
            id(BIGINT),
            col("userid", BIGINT_U),
            col("ip", "varchar(182)"),
            col("datetime", BIGINT),
            col("type", INT),
        ],
        primary_key: &["id"],
        keys: &[("userid", false, "userid")],
        foreign_keys: &[("login_ip_ibfk_2", "userid", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "payback",
        columns: &[
            id(BIGINT),
            col("total", "decimal(12,2)"),
            col("userid", BIGINT),
            col("ref_by", BIGINT),
            col("ref_get", "decimal(12,2)"),
            col("datetime", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "paylist",
        columns: &[
            id(BIGINT),
            col("userid", BIGINT_U),
            col("total", "decimal(12,2)"),
            def("status", INT, "0"),
            null("tradeno", "text", "NULL"),
            def("datetime", BIGINT, "0"),
        ],
        primary_key: &["id"],
        keys: &[("userid", false, "userid")],
        foreign_keys: &[("paylist_ibfk_2", "userid", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "shop",
        columns: &[
            id(BIGINT),
            col("name", "varchar(512)"),
            col("price", "decimal(12,2)"),
            col("content", "text"),
            col("auto_renew", INT),
            def("auto_reset_bandwidth", INT, "0"),
            def("status", INT, "1"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "user_invite_code",
        columns: &[
            id(BIGINT_U),
            col("code", "varchar(128)"),
            col("user_id", BIGINT_U),
            Column {
                on_update_now: true,
                ..def("created_at", "timestamp", "current_timestamp()")
            },
            def("updated_at", "timestamp", "'2016-06-01 00:00:00'"),
        ],
        primary_key: &["id"],
        keys: &[("code", true, "code"), ("user_id", true, "user_id")],
        // SSPanel declares this one without ON UPDATE CASCADE.
        foreign_keys: &[("user_invite_code_ibfk_1", "user_id", "user", false)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "node_info",
        columns: &[
            id(BIGINT_U),
            col("node_id", INT),
            col("uptime", "float"),
            col("load", "varchar(32)"),
            col("log_time", INT),
        ],
        primary_key: &["id"],
        keys: &[("node_id", false, "node_id")],
        foreign_keys: &[("node_info_ibfk_2", "node_id", "node", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "node_online_log",
        columns: &[
            id(INT),
            col("node_id", INT),
            col("online_user", INT),
            col("log_time", INT),
        ],
        primary_key: &["id"],
        keys: &[("node_id", false, "node_id")],
        foreign_keys: &[("node_online_log_ibfk_3", "node_id", "node", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "user_password_reset",
        columns: &[
            id(INT),
            col("email", "varchar(32)"),
            col("token", "varchar(128)"),
            col("init_time", INT),
            col("expire_time", INT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "telegram_session",
        columns: &[
            id(BIGINT),
            col("user_id", BIGINT),
            col("type", INT),
            col("session_content", "text"),
            col("datetime", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "ticket",
        columns: &[
            id(BIGINT),
            col("title", "longtext"),
            col("content", "longtext"),
            col("rootid", BIGINT),
            col("userid", BIGINT),
            col("datetime", BIGINT),
            def("status", INT, "1"),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "unblockip",
        columns: &[
            id(BIGINT),
            col("ip", "varchar(182)"),
            col("datetime", BIGINT),
            col("userid", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "user_hourly_usage",
        columns: &[
            id(BIGINT_U),
            col("user_id", BIGINT_U),
            col("traffic", BIGINT),
            col("hourly_usage", BIGINT),
            col("datetime", INT),
        ],
        primary_key: &["id"],
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("user_hourly_usage_ibfk_2", "user_id", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "user_subscribe_log",
        columns: &[
            id(BIGINT_U),
            col("user_name", "varchar(128)"),
            col("user_id", BIGINT_U),
            col("email", "varchar(32)"),
            col("subscribe_type", "varchar(20)"),
            col("request_ip", "varchar(182)"),
            col("request_time", "datetime"),
            null("request_user_agent", "text", "NULL"),
        ],
        primary_key: &["id"],
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("user_subscribe_log_ibfk_3", "user_id", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "user_token",
        columns: &[
            id(BIGINT_U),
            col("token", "varchar(256)"),
            col("user_id", BIGINT_U),
            col("create_time", BIGINT_U),
            col("expire_time", BIGINT),
        ],
        primary_key: &["id"],
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("user_token_ibfk_2", "user_id", "user", true)],
        collation: Some("utf8mb4_unicode_ci"),
    },
];

/// Tables of spanel's own (always `spanel_`-prefixed), created on every start if missing.
/// Each entry is (MySQL DDL, SQLite DDL).
/// Tables of spanel's own (always `spanel_`-prefixed), created on every start if missing, rendered
/// for both backends like SSPanel's.
pub const SPANEL_TABLES: &[Table] = &[
    Table {
        name: "spanel_traffic_hourly",
        columns: &[
            col("user_id", "bigint(20) unsigned"),
            col("hour", "bigint(20)"),
            def("u", "bigint(20) unsigned", "0"),
            def("d", "bigint(20) unsigned", "0"),
        ],
        primary_key: &["user_id", "hour"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Finished hours of `spanel_traffic_hourly` summed per UTC day (`day` = unix time of midnight),
    // upload and download apart, for the users' usage charts; pruned after `USAGE_DAYS_KEPT`.
    Table {
        name: "spanel_traffic_daily",
        columns: &[
            col("user_id", "bigint(20) unsigned"),
            col("day", "bigint(20)"),
            def("u", "bigint(20) unsigned", "0"),
            def("d", "bigint(20) unsigned", "0"),
        ],
        primary_key: &["user_id", "day"],
        keys: &[
            ("day", false, "day"),
            ("day_user", false, "day, user_id, u, d"),
        ],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_job_run",
        columns: &[
            col("job", "varchar(64)"),
            col("period", "varchar(32)"),
            col("ran_at", "bigint(20)"),
        ],
        primary_key: &["job", "period"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_job_lease",
        columns: &[
            col("name", "varchar(64)"),
            col("holder", "varchar(128)"),
            def("token", "bigint(20)", "0"),
            def("expires_at", "bigint(20)", "0"),
        ],
        primary_key: &["name"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_admin_log",
        columns: &[
            id("bigint(20)"),
            col("admin_id", "bigint(20)"),
            col("action", "varchar(64)"),
            col("target", "varchar(128)"),
            col("detail", "text"),
            col("created_at", "bigint(20)"),
        ],
        primary_key: &["id"],
        keys: &[("target", false, "target")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_node_alert",
        columns: &[
            id("bigint(20)"),
            col("node_id", "bigint(20)"),
            col("kind", "varchar(8)"),
            col("created_at", "bigint(20)"),
            col("detail", "text"),
        ],
        primary_key: &["id"],
        keys: &[("node_id", false, "node_id")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_email_attempt",
        columns: &[
            col("queue_id", "bigint(20)"),
            def("attempts", "int(11)", "0"),
            def("next_at", "bigint(20)", "0"),
            col("last_error", "text"),
        ],
        primary_key: &["queue_id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_payment_event",
        columns: &[
            id("bigint(20)"),
            col("gateway", "varchar(32)"),
            def("tradeno", "varchar(128)", "''"),
            col("verdict", "varchar(16)"),
            def("reason", "varchar(255)", "''"),
            col("created_at", "bigint(20)"),
        ],
        primary_key: &["id"],
        keys: &[("tradeno", false, "tradeno")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    Table {
        name: "spanel_gateway_order",
        columns: &[
            col("gateway", "varchar(32)"),
            col("gateway_order_id", "varchar(64)"),
            col("tradeno", "varchar(128)"),
            col("currency", "varchar(8)"),
            col("created_at", "bigint(20)"),
        ],
        primary_key: &["gateway", "gateway_order_id"],
        keys: &[("tradeno", false, "tradeno")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Traffic reports applied under an `Idempotency-Key`, per node; a retry with a key seen
    // within the last day is acknowledged without being applied again.
    Table {
        name: "spanel_traffic_receipt",
        columns: &[
            col("node_id", "bigint(20)"),
            col("idem_key", "varchar(128)"),
            col("created_at", "bigint(20)"),
        ],
        primary_key: &["node_id", "idem_key"],
        keys: &[("created_at", false, "created_at")],
        foreign_keys: &[],
        collation: Some("utf8mb4_bin"),
    },
    // The last commit number of each traffic flusher, written inside each of its transactions: when
    // a connection dies during `COMMIT`, this row tells whether the commit happened.
    Table {
        name: "spanel_traffic_commit",
        columns: &[
            col("slot", "varchar(32)"),
            col("seq", "bigint(20)"),
            col("updated_at", "bigint(20)"),
        ],
        primary_key: &["slot"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_bin"),
    },
    // A top-up made to pay for a plan (`order_id` = `paylist.id`): the credit buys the plan.
    Table {
        name: "spanel_plan_checkout",
        columns: &[
            col("order_id", "bigint(20)"),
            col("user_id", "bigint(20)"),
            col("shop_id", "bigint(20)"),
            col("price", "decimal(12,2)"),
            def("coupon", "varchar(255)", "''"),
            def("autorenew", "bigint(20)", "0"),
            def("disable_others", "bigint(20)", "0"),
            col("status", "varchar(16)"),
            def("bought_id", "bigint(20)", "0"),
            def("note", "varchar(255)", "''"),
            col("created_at", "bigint(20)"),
            def("settled_at", "bigint(20)", "0"),
        ],
        primary_key: &["order_id"],
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Per-account session state: `generation` is carried in every token and raised by "log out
    // everywhere"; `totp_step` is the last two-factor time step used, so a code works once.
    Table {
        name: "spanel_user_session",
        columns: &[
            col("user_id", "bigint(20) unsigned"),
            def("generation", "bigint(20)", "0"),
            def("totp_step", "bigint(20)", "0"),
        ],
        primary_key: &["user_id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    }, // Balance changes, with the columns of SSPanel-UIM's later `user_money_log` (which the classic
    // schema lacks): the balance before and after, the change and its reason.
    Table {
        name: "spanel_user_money_log",
        columns: &[
            id("bigint(20)"),
            col("user_id", "bigint(20) unsigned"),
            col("before", "decimal(12,2)"),
            col("after", "decimal(12,2)"),
            col("amount", "decimal(12,2)"),
            col("remark", "text"),
            col("create_time", "bigint(20)"),
        ],
        primary_key: &["id"],
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Bans of `detect_ban_log` that are settled: lifted by the job when their time ran out, taken
    // over by an operator's enable/disable (which the job must then leave alone), or for good.
    Table {
        name: "spanel_detect_ban_lift",
        columns: &[
            col("ban_id", "bigint(20)"),
            col("user_id", "bigint(20) unsigned"),
            col("how", "varchar(16)"),
            col("lifted_at", "bigint(20)"),
        ],
        primary_key: &["ban_id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Bytes (upload + download) of all users per hour: added in the same transaction as every write
    // of the per-user hourly rows (`spanel_traffic_hourly`, which the roll-up moves into
    // `user_hourly_usage`), so the reports and charts never scan per-user rows for totals.
    Table {
        name: "spanel_traffic_total_hourly",
        columns: &[
            col("hour", "bigint(20)"),
            def("bytes", "bigint(20) unsigned", "0"),
        ],
        primary_key: &["hour"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Raw bytes each node carried per UTC day (`day` = unix time of midnight), added by every
    // traffic commit in the same transaction as the users' counters.
    Table {
        name: "spanel_node_traffic_daily",
        columns: &[
            col("node_id", "bigint(20)"),
            col("day", "bigint(20)"),
            def("bytes", "bigint(20) unsigned", "0"),
        ],
        primary_key: &["node_id", "day"],
        keys: &[("day", false, "day")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Nodes online (and configured) sampled by the node-monitor job, one row per 10-minute slot.
    Table {
        name: "spanel_node_online_sample",
        columns: &[
            col("at", "bigint(20)"),
            def("online", "bigint(20)", "0"),
            def("total", "bigint(20)", "0"),
        ],
        primary_key: &["at"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // A mass e-mail to a segment of users: queued into `email_queue` in bounded batches after the
    // recipient `cursor_id` (user ids in order), `status` `queuing` until the segment is exhausted.
    Table {
        name: "spanel_mass_mail",
        columns: &[
            id("bigint(20)"),
            col("admin_id", "bigint(20)"),
            col("segment", "varchar(16)"),
            def("segment_value", "bigint(20)", "0"),
            col("subject", "varchar(255)"),
            col("body", "text"),
            def("recipients", "bigint(20)", "0"),
            def("queued", "bigint(20)", "0"),
            def("cursor_id", "bigint(20)", "0"),
            col("status", "varchar(16)"),
            col("created_at", "bigint(20)"),
            def("finished_at", "bigint(20)", "0"),
        ],
        primary_key: &["id"],
        keys: &[
            ("admin_id", false, "admin_id, created_at"),
            ("status", false, "status"),
        ],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Progress of the report roll-ups (`service::report_rollup`), one row per roll-up: `mark`,
    // `target` and `cursor` mean what that roll-up documents (a watermark id, a window's first
    // day, a user-id cursor). Each is changed in the same transaction as the rows it accounts for.
    Table {
        name: "spanel_report_state",
        columns: &[
            col("name", "varchar(64)"),
            def("mark", "bigint(20)", "0"),
            def("target", "bigint(20)", "0"),
            def("pos", "bigint(20)", "0"),
            def("updated_at", "bigint(20)", "0"),
        ],
        primary_key: &["name"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Per user, bytes (upload + download) of `spanel_traffic_daily` from the first day of a fixed
    // window (`span` days before today, today included) on, so the top-users report of the
    // console's windows reads `(span, bytes, user_id)` in order and stops at its page.
    Table {
        name: "spanel_traffic_top",
        columns: &[
            col("span", "int(11)"),
            col("user_id", "bigint(20) unsigned"),
            def("bytes", "bigint(20) unsigned", "0"),
        ],
        primary_key: &["span", "user_id"],
        keys: &[("span_bytes", false, "span, bytes, user_id")],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Per UTC day (`day` = unix time of midnight) of `paylist.datetime`, `bought.datetime` and
    // `DATE(user.reg_date)`, the rows of SSPanel's tables folded so far by generation `gen`
    // (`service::report_rollup`): paid top-ups and purchases in cents (whole cents are exact, and
    // SQLite's TEXT money cannot be summed exactly in place), their counts, new users, and paying
    // users (rows of `spanel_chart_payer`).
    Table {
        name: "spanel_chart_daily",
        columns: &[
            col("gen", "bigint(20)"),
            col("day", "bigint(20)"),
            def("top_up_cents", "bigint(20)", "0"),
            def("top_ups", "bigint(20)", "0"),
            def("payers", "bigint(20)", "0"),
            def("purchase_cents", "bigint(20)", "0"),
            def("purchases", "bigint(20)", "0"),
            def("new_users", "bigint(20)", "0"),
        ],
        primary_key: &["gen", "day"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // The users with a paid top-up folded into `spanel_chart_daily` per day and generation.
    Table {
        name: "spanel_chart_payer",
        columns: &[
            col("gen", "bigint(20)"),
            col("day", "bigint(20)"),
            col("user_id", "bigint(20)"),
        ],
        primary_key: &["gen", "day", "user_id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
    // Unpaid `paylist` rows a generation's watermark passed: folded when they are paid.
    Table {
        name: "spanel_chart_pending",
        columns: &[
            col("gen", "bigint(20)"),
            col("order_id", "bigint(20)"),
            col("created", "bigint(20)"),
        ],
        primary_key: &["gen", "order_id"],
        keys: &[],
        foreign_keys: &[],
        collation: Some("utf8mb4_unicode_ci"),
    },
];

fn is_integer_type(mysql_type: &str) -> bool {
    mysql_type.contains("int")
}

fn sqlite_type(mysql_type: &str) -> &'static str {
    if is_integer_type(mysql_type) {
        "INTEGER"
    } else if mysql_type == "float" {
        "REAL"
    } else {
        // decimal stays TEXT so money is never turned into a binary float.
        "TEXT"
    }
}

fn sqlite_default(default: &str) -> String {
    match default {
        "current_timestamp()" => "CURRENT_TIMESTAMP".into(),
        d if d.starts_with(|c: char| c.is_ascii_digit()) && d.contains('.') => format!("'{d}'"),
        d => d.to_string(),
    }
}

/// MySQL/MariaDB `CREATE TABLE` statements, matching SSPanel's own column for column.
pub fn mysql_ddl() -> Vec<String> {
    TABLES.iter().map(mysql_table).collect()
}

/// `a`, `b` for MySQL or "a", "b" for SQLite.
fn column_list(columns: &[&str], quote: char) -> String {
    let quoted: Vec<String> = columns
        .iter()
        .map(|c| format!("{quote}{c}{quote}"))
        .collect();
    quoted.join(", ")
}

/// The columns of a key as written in [`Table::keys`].
pub fn key_columns(columns: &str) -> Vec<&str> {
    columns.split(',').map(str::trim).collect()
}

/// The statements creating `t` on `backend` (the table, then SQLite's separate indexes).
pub fn table_ddl(t: &Table, backend: super::Backend) -> Vec<String> {
    match backend {
        super::Backend::MySql => vec![mysql_table(t)],
        super::Backend::Sqlite => sqlite_table(t),
    }
}

pub fn mysql_table(t: &Table) -> String {
    let collate = t
        .collation
        .map(|c| format!(" COLLATE={c}"))
        .unwrap_or_default();
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            let mut s = format!("`{}` {}", c.name, c.mysql_type);
            s.push_str(if c.nullable { "" } else { " NOT NULL" });
            if let Some(d) = c.default {
                s.push_str(&format!(" DEFAULT {d}"));
            }
            if c.on_update_now {
                s.push_str(" ON UPDATE current_timestamp()");
            }
            if c.auto_increment {
                s.push_str(" AUTO_INCREMENT");
            }
            s
        })
        .collect();
    lines.push(format!("PRIMARY KEY ({})", column_list(t.primary_key, '`')));
    for (name, unique, columns) in t.keys {
        let kind = if *unique { "UNIQUE KEY" } else { "KEY" };
        lines.push(format!(
            "{kind} `{name}` ({})",
            column_list(&key_columns(columns), '`')
        ));
    }
    for (name, column, target, cascade_update) in t.foreign_keys {
        let on_update = if *cascade_update {
            " ON UPDATE CASCADE"
        } else {
            ""
        };
        lines.push(format!(
            "CONSTRAINT `{name}` FOREIGN KEY (`{column}`) REFERENCES `{target}` (`id`) ON DELETE CASCADE{on_update}"
        ));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS `{}` (\n  {}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4{collate}",
        t.name,
        lines.join(",\n  ")
    )
}

/// SQLite statements (tables and indexes) with equivalent types.
pub fn sqlite_ddl() -> Vec<String> {
    TABLES.iter().flat_map(sqlite_table).collect()
}

fn sqlite_table(t: &Table) -> Vec<String> {
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            if c.auto_increment {
                return format!("\"{}\" INTEGER PRIMARY KEY AUTOINCREMENT", c.name);
            }
            let mut s = format!("\"{}\" {}", c.name, sqlite_type(c.mysql_type));
            if !c.nullable {
                s.push_str(" NOT NULL");
            }
            if let Some(d) = c.default {
                s.push_str(&format!(" DEFAULT {}", sqlite_default(d)));
            }
            s
        })
        .collect();
    if !t.columns.iter().any(|c| c.auto_increment) {
        lines.push(format!("PRIMARY KEY ({})", column_list(t.primary_key, '"')));
    }
    let mut out = vec![format!(
        "CREATE TABLE IF NOT EXISTS \"{}\" (\n  {}\n)",
        t.name,
        lines.join(",\n  ")
    )];
    for (name, unique, columns) in t.keys {
        let kind = if *unique { "UNIQUE INDEX" } else { "INDEX" };
        out.push(format!(
            "CREATE {kind} IF NOT EXISTS \"{}_{name}\" ON \"{}\" ({})",
            t.name,
            t.name,
            column_list(&key_columns(columns), '"')
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_classic_tables() {
        assert_eq!(TABLES.len(), 30);
    }

    #[test]
    fn money_is_text_on_sqlite() {
        let ddl = sqlite_ddl().join("\n");
        assert!(ddl.contains("\"money\" TEXT NOT NULL DEFAULT '0.00'"));
        assert!(ddl.contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT"));
    }

    #[test]
    fn mysql_ddl_keeps_sspanel_types() {
        let ddl = mysql_ddl().join("\n");
        assert!(ddl.contains("`money` decimal(12,2) NOT NULL DEFAULT 0.00"));
        assert!(ddl.contains("`forbidden_port` varchar(512) DEFAULT ''''''"));
    }
}
