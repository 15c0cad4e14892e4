# 当前房间里的人（右栏），以及私密房间的成员。

members-aside = 房间里的人
members-here-now = 当前在线 { $count } 人
members-here-now-list = 当前在线
members-message = 私信
members-message-label = 私信 { $name }
members-show-more = 显示更多

members-section = 成员
members-heading = 成员 { $count } 人
# 创建者名字后面；全角括号，前面不加空格。
members-creator = （创建者）
members-leave = 退出
members-leave-label = 退出 { $room }
members-remove = 移除
members-remove-label = 移除 { $name }
members-invite-label = 邀请
members-invite-placeholder = 昵称
members-invite = 邀请
