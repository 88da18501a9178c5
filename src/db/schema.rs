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
    /// Secondary keys: (name, unique, columns).
    pub keys: &'static [(&'static str, bool, &'static str)],
    /// Foreign keys: (constraint name, column, referenced table, on-update cascade).
    pub foreign_keys: &'static [(&'static str, &'static str, &'static str, bool)],
    /// MySQL table collation (SSPanel's `config` table uses the server default).
    pub unicode_collation: bool,
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
        keys: &[
            ("email", true, "email"),
            ("uuid", true, "uuid"),
            ("ga_token", true, "ga_token"),
            ("user_name", false, "user_name"),
        ],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
    },
    Table {
        name: "announcement",
        columns: &[
            id(INT),
            col("date", "datetime"),
            col("content", "longtext"),
            col("markdown", "longtext"),
        ],
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
    },
    Table {
        name: "blockip",
        columns: &[
            id(BIGINT),
            col("nodeid", INT),
            col("ip", "varchar(182)"),
            col("datetime", BIGINT),
        ],
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: false,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("detect_ban_log_ibfk_2", "user_id", "user", true)],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
    },
    Table {
        name: "link",
        columns: &[
            id(BIGINT),
            col("token", "varchar(128)"),
            col("userid", BIGINT_U),
        ],
        keys: &[("token", true, "token"), ("userid", true, "userid")],
        foreign_keys: &[("link_ibfk_2", "userid", "user", true)],
        unicode_collation: true,
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
        keys: &[("userid", false, "userid")],
        foreign_keys: &[("login_ip_ibfk_2", "userid", "user", true)],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[("userid", false, "userid")],
        foreign_keys: &[("paylist_ibfk_2", "userid", "user", true)],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[("code", true, "code"), ("user_id", true, "user_id")],
        // SSPanel declares this one without ON UPDATE CASCADE.
        foreign_keys: &[("user_invite_code_ibfk_1", "user_id", "user", false)],
        unicode_collation: true,
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
        keys: &[("node_id", false, "node_id")],
        foreign_keys: &[("node_info_ibfk_2", "node_id", "node", true)],
        unicode_collation: true,
    },
    Table {
        name: "node_online_log",
        columns: &[
            id(INT),
            col("node_id", INT),
            col("online_user", INT),
            col("log_time", INT),
        ],
        keys: &[("node_id", false, "node_id")],
        foreign_keys: &[("node_online_log_ibfk_3", "node_id", "node", true)],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
    },
    Table {
        name: "unblockip",
        columns: &[
            id(BIGINT),
            col("ip", "varchar(182)"),
            col("datetime", BIGINT),
            col("userid", BIGINT),
        ],
        keys: &[],
        foreign_keys: &[],
        unicode_collation: true,
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
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("user_hourly_usage_ibfk_2", "user_id", "user", true)],
        unicode_collation: true,
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
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("user_subscribe_log_ibfk_3", "user_id", "user", true)],
        unicode_collation: true,
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
        keys: &[("user_id", false, "user_id")],
        foreign_keys: &[("user_token_ibfk_2", "user_id", "user", true)],
        unicode_collation: true,
    },
];

/// Tables of spanel's own (always `spanel_`-prefixed), created on every start if missing.
/// Each entry is (MySQL DDL, SQLite DDL).
pub const SPANEL_TABLES: &[(&str, &str)] = &[
    (
        "CREATE TABLE IF NOT EXISTS `spanel_traffic_hourly` (
        `user_id` bigint(20) unsigned NOT NULL,
        `hour` bigint(20) NOT NULL,
        `u` bigint(20) unsigned NOT NULL DEFAULT 0,
        `d` bigint(20) unsigned NOT NULL DEFAULT 0,
        PRIMARY KEY (`user_id`, `hour`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_traffic_hourly (
        user_id INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        u INTEGER NOT NULL DEFAULT 0,
        d INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, hour)
    )",
    ),
    // Finished hours of `spanel_traffic_hourly` summed per UTC day (`day` = unix time of midnight),
    // upload and download apart, for the users' usage charts; pruned after `USAGE_DAYS_KEPT`.
    (
        "CREATE TABLE IF NOT EXISTS `spanel_traffic_daily` (
        `user_id` bigint(20) unsigned NOT NULL,
        `day` bigint(20) NOT NULL,
        `u` bigint(20) unsigned NOT NULL DEFAULT 0,
        `d` bigint(20) unsigned NOT NULL DEFAULT 0,
        PRIMARY KEY (`user_id`, `day`),
        KEY `day` (`day`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_traffic_daily (
        user_id INTEGER NOT NULL,
        day INTEGER NOT NULL,
        u INTEGER NOT NULL DEFAULT 0,
        d INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, day)
    );
    CREATE INDEX IF NOT EXISTS spanel_traffic_daily_day ON spanel_traffic_daily (day)",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_job_run` (
        `job` varchar(64) NOT NULL,
        `period` varchar(32) NOT NULL,
        `ran_at` bigint(20) NOT NULL,
        PRIMARY KEY (`job`, `period`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_job_run (
        job TEXT NOT NULL,
        period TEXT NOT NULL,
        ran_at INTEGER NOT NULL,
        PRIMARY KEY (job, period)
    )",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_job_lease` (
        `name` varchar(64) NOT NULL PRIMARY KEY,
        `holder` varchar(128) NOT NULL,
        `token` bigint(20) NOT NULL DEFAULT 0,
        `expires_at` bigint(20) NOT NULL DEFAULT 0
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_job_lease (
        name TEXT NOT NULL PRIMARY KEY,
        holder TEXT NOT NULL,
        token INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER NOT NULL DEFAULT 0
    )",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_admin_log` (
        `id` bigint(20) NOT NULL AUTO_INCREMENT PRIMARY KEY,
        `admin_id` bigint(20) NOT NULL,
        `action` varchar(64) NOT NULL,
        `target` varchar(128) NOT NULL,
        `detail` text NOT NULL,
        `created_at` bigint(20) NOT NULL,
        KEY `target` (`target`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_admin_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        admin_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at INTEGER NOT NULL
    )",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_node_alert` (
        `id` bigint(20) NOT NULL AUTO_INCREMENT PRIMARY KEY,
        `node_id` bigint(20) NOT NULL,
        `kind` varchar(8) NOT NULL,
        `created_at` bigint(20) NOT NULL,
        `detail` text NOT NULL,
        KEY `node_id` (`node_id`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_node_alert (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        detail TEXT NOT NULL
    )",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_email_attempt` (
        `queue_id` bigint(20) NOT NULL PRIMARY KEY,
        `attempts` int(11) NOT NULL DEFAULT 0,
        `next_at` bigint(20) NOT NULL DEFAULT 0,
        `last_error` text NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_email_attempt (
        queue_id INTEGER NOT NULL PRIMARY KEY,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL
    )",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_payment_event` (
        `id` bigint(20) NOT NULL AUTO_INCREMENT PRIMARY KEY,
        `gateway` varchar(32) NOT NULL,
        `tradeno` varchar(128) NOT NULL DEFAULT '',
        `verdict` varchar(16) NOT NULL,
        `reason` varchar(255) NOT NULL DEFAULT '',
        `created_at` bigint(20) NOT NULL,
        KEY `tradeno` (`tradeno`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_payment_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        gateway TEXT NOT NULL,
        tradeno TEXT NOT NULL DEFAULT '',
        verdict TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
    )",
    ),
    (
        "CREATE TABLE IF NOT EXISTS `spanel_gateway_order` (
        `gateway` varchar(32) NOT NULL,
        `gateway_order_id` varchar(64) NOT NULL,
        `tradeno` varchar(128) NOT NULL,
        `currency` varchar(8) NOT NULL,
        `created_at` bigint(20) NOT NULL,
        PRIMARY KEY (`gateway`, `gateway_order_id`),
        KEY `tradeno` (`tradeno`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_gateway_order (
        gateway TEXT NOT NULL,
        gateway_order_id TEXT NOT NULL,
        tradeno TEXT NOT NULL,
        currency TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (gateway, gateway_order_id)
    )",
    ),
    // Traffic reports applied under an `Idempotency-Key`, per node; a retry with a key seen
    // within the last day is acknowledged without being applied again.
    (
        "CREATE TABLE IF NOT EXISTS `spanel_traffic_receipt` (
        `node_id` bigint(20) NOT NULL,
        `idem_key` varchar(128) NOT NULL,
        `created_at` bigint(20) NOT NULL,
        PRIMARY KEY (`node_id`, `idem_key`),
        KEY `created_at` (`created_at`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        "CREATE TABLE IF NOT EXISTS spanel_traffic_receipt (
        node_id INTEGER NOT NULL,
        idem_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (node_id, idem_key)
    );
    CREATE INDEX IF NOT EXISTS spanel_traffic_receipt_created_at ON spanel_traffic_receipt (created_at)",
    ),
    // The last commit number of each traffic flusher, written inside each of its transactions: when
    // a connection dies during `COMMIT`, this row tells whether the commit happened.
    (
        "CREATE TABLE IF NOT EXISTS `spanel_traffic_commit` (
        `slot` varchar(32) NOT NULL PRIMARY KEY,
        `seq` bigint(20) NOT NULL,
        `updated_at` bigint(20) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        "CREATE TABLE IF NOT EXISTS spanel_traffic_commit (
        slot TEXT NOT NULL PRIMARY KEY,
        seq INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    )",
    ),
    // A top-up made to pay for a plan (`order_id` = `paylist.id`): the credit buys the plan.
    (
        "CREATE TABLE IF NOT EXISTS `spanel_plan_checkout` (
        `order_id` bigint(20) NOT NULL PRIMARY KEY,
        `user_id` bigint(20) NOT NULL,
        `shop_id` bigint(20) NOT NULL,
        `price` decimal(12,2) NOT NULL,
        `coupon` varchar(255) NOT NULL DEFAULT '',
        `autorenew` bigint(20) NOT NULL DEFAULT 0,
        `disable_others` bigint(20) NOT NULL DEFAULT 0,
        `status` varchar(16) NOT NULL,
        `bought_id` bigint(20) NOT NULL DEFAULT 0,
        `note` varchar(255) NOT NULL DEFAULT '',
        `created_at` bigint(20) NOT NULL,
        `settled_at` bigint(20) NOT NULL DEFAULT 0,
        KEY `user_id` (`user_id`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_plan_checkout (
        order_id INTEGER NOT NULL PRIMARY KEY,
        user_id INTEGER NOT NULL,
        shop_id INTEGER NOT NULL,
        price TEXT NOT NULL,
        coupon TEXT NOT NULL DEFAULT '',
        autorenew INTEGER NOT NULL DEFAULT 0,
        disable_others INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        bought_id INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        settled_at INTEGER NOT NULL DEFAULT 0
    )",
    ),
    // Per-account session state: `generation` is carried in every token and raised by "log out
    // everywhere"; `totp_step` is the last two-factor time step used, so a code works once.
    (
        "CREATE TABLE IF NOT EXISTS `spanel_user_session` (
        `user_id` bigint(20) unsigned NOT NULL PRIMARY KEY,
        `generation` bigint(20) NOT NULL DEFAULT 0,
        `totp_step` bigint(20) NOT NULL DEFAULT 0
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_user_session (
        user_id INTEGER NOT NULL PRIMARY KEY,
        generation INTEGER NOT NULL DEFAULT 0,
        totp_step INTEGER NOT NULL DEFAULT 0
    )",
    ),
    // A mass e-mail to a segment of users: queued into `email_queue` in bounded batches after the
    // recipient `cursor_id` (user ids in order), `status` `queuing` until the segment is exhausted.
    (
        "CREATE TABLE IF NOT EXISTS `spanel_mass_mail` (
        `id` bigint(20) NOT NULL AUTO_INCREMENT PRIMARY KEY,
        `admin_id` bigint(20) NOT NULL,
        `segment` varchar(16) NOT NULL,
        `segment_value` bigint(20) NOT NULL DEFAULT 0,
        `subject` varchar(255) NOT NULL,
        `body` text NOT NULL,
        `recipients` bigint(20) NOT NULL DEFAULT 0,
        `queued` bigint(20) NOT NULL DEFAULT 0,
        `cursor_id` bigint(20) NOT NULL DEFAULT 0,
        `status` varchar(16) NOT NULL,
        `created_at` bigint(20) NOT NULL,
        `finished_at` bigint(20) NOT NULL DEFAULT 0,
        KEY `admin_id` (`admin_id`, `created_at`),
        KEY `status` (`status`)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
        "CREATE TABLE IF NOT EXISTS spanel_mass_mail (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        admin_id INTEGER NOT NULL,
        segment TEXT NOT NULL,
        segment_value INTEGER NOT NULL DEFAULT 0,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        recipients INTEGER NOT NULL DEFAULT 0,
        queued INTEGER NOT NULL DEFAULT 0,
        cursor_id INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS spanel_mass_mail_admin_id ON spanel_mass_mail (admin_id, created_at);
    CREATE INDEX IF NOT EXISTS spanel_mass_mail_status ON spanel_mass_mail (status)",
    ),
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

fn mysql_table(t: &Table) -> String {
    let collate = if t.unicode_collation {
        " COLLATE=utf8mb4_unicode_ci"
    } else {
        ""
    };
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
    lines.push("PRIMARY KEY (`id`)".into());
    for (name, unique, column) in t.keys {
        let kind = if *unique { "UNIQUE KEY" } else { "KEY" };
        lines.push(format!("{kind} `{name}` (`{column}`)"));
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
    let mut out = Vec::new();
    for t in TABLES {
        let cols: Vec<String> = t
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
        out.push(format!(
            "CREATE TABLE IF NOT EXISTS \"{}\" (\n  {}\n)",
            t.name,
            cols.join(",\n  ")
        ));
        for (name, unique, column) in t.keys {
            let kind = if *unique { "UNIQUE INDEX" } else { "INDEX" };
            out.push(format!(
                "CREATE {kind} IF NOT EXISTS \"{}_{name}\" ON \"{}\" (\"{column}\")",
                t.name, t.name
            ));
        }
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
