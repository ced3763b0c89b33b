create table customers(id integer primary key, name text, home text, credit real, vip boolean,
                       since datetime, photo blob);
insert into customers values
  (1, 'ann', '[0, 0]', 10.5, 1, '2024-01-01T00:00:00', x'ff'),
  (2, 'bo', '[3, 4]', null, 0, null, null),
  (3, 'cy', null, 30, 1, '2024-03-01 08:00:00', null);
create table orders(id integer primary key, customer_id integer, shop text, amount real);
insert into orders values (10, 1, '[3, 4]', 5.0), (11, 2, '[3, 4]', 7.5), (12, 9, '[0, 0]', 1),
                          (13, 3, '[1, 1]', 2.0);
